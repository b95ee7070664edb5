"""Every log line of a real run — control plane, general worker, node agent, nginx's own logs —
is free of secrets, over a run that signs in (and fails to), uses an API token and a provider
key, publishes, rotates a stream key and publishes again, and pulls an RTSP camera that needs
a password. The platform's processes write JSON lines only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from tests.e2e.stack import LiveStack, free_port, stop, wait_for
from tests.integration.conftest import PASSWORD

RTSP_CAMERA = Path(__file__).with_name("rtsp_camera.py")
BANNERS = ("ingest node ",)  # what `argus ingest run` prints for a person on stdout


async def test_no_secret_reaches_any_log(tmp_path, tmp_root, services, client_for, tenant_a,
                                         provider_key):
    stack = LiveStack(tmp_path, tmp_root, ARGUS_LOG_LEVEL="debug")
    rtsp_port = free_port()
    rtsp_password = "Rt5p-pa55-Zq81"
    camera = subprocess.Popen(["/usr/bin/python3", str(RTSP_CAMERA), str(rtsp_port), "viewer",
                               rtsp_password], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    secrets: dict[str, str] = {"admin password": PASSWORD, "RTSP password": rtsp_password,
                               "provider key": provider_key}
    try:
        assert camera.stdout.readline().strip() == b"ready"
        await stack.start(services)
        secrets |= {"HLS secret": stack.env["ARGUS_HLS_SECRET"],
                    "node secret": stack.env["ARGUS_NODE_SECRET"],
                    "JWT key": stack.env["ARGUS_JWT_SECRETS"].split(",")[0]}
        client = client_for()
        wrong = await client.post("/api/v1/auth/login", headers={"Host": tenant_a.host},
                                  json={"email": tenant_a.emails["admin"],
                                        "password": "Wrong-Guess-77"})
        assert wrong.status_code == 401
        secrets["a wrong password"] = "Wrong-Guess-77"
        # Through the real server from here on (its logs are the ones read).
        signed_in = httpx.post(f"{stack.api}/api/v1/auth/login", headers={"Host": tenant_a.host},
                               json={"email": tenant_a.emails["admin"], "password": PASSWORD},
                               timeout=10).json()
        admin = signed_in["access_token"]
        secrets |= {"access token": admin, "refresh token": signed_in["refresh_token"]}
        token = stack.call(tenant_a, admin, "POST", "/api/v1/api-tokens",
                           json={"name": "integration", "scopes": ["cameras:read",
                                                                   "cameras:write"]})
        assert token.status_code == 201, token.text
        secrets["API token"] = token.json()["secret"]
        created = stack.call(tenant_a, secrets["API token"], "POST", "/api/v1/cameras",
                             json={"name": "Door"})
        assert created.status_code == 201, created.text
        camera_id = created.json()["camera"]["id"]
        secrets["first stream key"] = created.json()["ingest"]["stream_key"]
        assert stack.call(tenant_a, secrets["API token"], "GET", "/api/v1/cameras"
                          ).status_code == 200
        listed = httpx.get(f"{stack.api}/provider/v1/tenants", timeout=10,
                           headers={"Host": "provider.localhost",
                                    "Authorization": f"Bearer {provider_key}"})
        assert listed.status_code == 200, listed.text

        first = stack.publish(secrets["first stream key"], name="first")
        stack.wait_status(tenant_a, admin, camera_id, "online")
        rotated = stack.call(tenant_a, admin, "POST", f"/api/v1/cameras/{camera_id}/stream-key")
        assert rotated.status_code == 200, rotated.text
        secrets["rotated stream key"] = rotated.json()["stream_key"]
        wait_for(lambda: first.poll() is not None, 20, "the old key's publisher to be dropped")
        stack.publish(secrets["rotated stream key"], name="second")
        wait_for(lambda: stack.status(tenant_a, admin, camera_id)["status"] == "online"
                 and stack.status(tenant_a, admin, camera_id)["live"]["width"], 20,
                 "the new key live")

        pulled = stack.call(tenant_a, admin, "POST", "/api/v1/cameras", json={
            "name": "Yard", "ingest_mode": "rtsp_pull",
            "rtsp_url": f"rtsp://viewer:{rtsp_password}@127.0.0.1:{rtsp_port}/cam"})
        assert pulled.status_code == 201, pulled.text
        stack.wait_status(tenant_a, admin, pulled.json()["camera"]["id"], "online", timeout=30)
        assert httpx.get(stack.call(tenant_a, admin, "GET",
                                    f"/api/v1/streaming/hls/{camera_id}").json()["url"],
                         timeout=5).status_code in (200, 404)
    finally:
        stop(camera)
        stack.close()

    files = [*(stack.logs[name] for name in ("server", "worker", "node")),
             *(stack.work / "log").glob("*")]
    assert len(files) >= 4, files  # nginx's error and access logs among them
    for path in files:
        text = path.read_text(errors="replace")
        for what, secret in secrets.items():
            assert secret not in text, f"{what} in {path.name}"
        assert f"viewer:{rtsp_password}" not in text
    for name in ("server", "worker", "node"):
        lines = stack.logs[name].read_text(errors="replace").splitlines()
        assert lines, name
        for line in lines:
            if line.startswith(BANNERS):
                continue
            entry = json.loads(line)  # a JSON object per line, nothing else
            assert "event" in entry and "level" in entry and "timestamp" in entry, line
    worker_lines = [json.loads(line) for line in stack.logs["worker"].read_text().splitlines()]
    assert any(entry.get("job_id") for entry in worker_lines)
    node_lines = [json.loads(line) for line in stack.logs["node"].read_text().splitlines()
                  if not line.startswith(BANNERS)]
    assert all(entry.get("node") == stack.node_id for entry in node_lines
               if entry["event"].startswith(("ingest.", "relay.", "recording.")))
    requests = [json.loads(line) for line in stack.logs["server"].read_text().splitlines()
                if '"http.request"' in line]
    assert all(entry.get("request_id") for entry in requests)
    assert any(entry.get("tenant") == tenant_a.slug for entry in requests)

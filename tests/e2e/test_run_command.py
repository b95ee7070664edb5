"""The README's run command brings the platform up and serves the demo tenant."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect as ws_connect

from tests.helpers import scrape, value

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_command_serves_the_demo_tenant(tmp_path):
    port = _free_port()
    log = tmp_path / "run.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGUS_")}
    rtmp_port, hls_port = _free_port(), _free_port()
    worker_metrics, node_metrics = f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"
    env.update({"ARGUS_PORT": str(port), "ARGUS_STORAGE_ROOT": str(tmp_path / "storage"),
                "ARGUS_DEMO_RTMP_PORT": str(rtmp_port), "ARGUS_DEMO_HLS_PORT": str(hls_port),
                "ARGUS_DEMO_WORK_DIR": str(tmp_path / "node"),
                # Only 127.0.0.1 may scrape; 127.0.0.2 (loopback too) stands for elsewhere.
                "ARGUS_METRICS_ALLOW": "127.0.0.1/32",
                "ARGUS_WORKER_METRICS_LISTEN": worker_metrics,
                "ARGUS_NODE_METRICS_LISTEN": node_metrics})
    with log.open("w") as out:
        proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "run")], stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                start_new_session=True)
    sockets = contextlib.ExitStack()
    try:
        deadline = time.monotonic() + 180
        response = None
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/tenant",
                                     headers={"Host": "demo.localhost"}, timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert response is not None, log.read_text()
        assert response.status_code == 200 and response.json()["slug"] == "demo"

        printed = log.read_text()
        assert f"http://demo.localhost:{port}/api/v1/tenant" in printed
        key = re.search(r"Provider key \(dev only\): (\S+)", printed).group(1)
        tenants = httpx.get(f"http://127.0.0.1:{port}/provider/v1/tenants",
                            headers={"Host": "provider.localhost",
                                     "Authorization": f"Bearer {key}"}, timeout=5)
        assert tenants.status_code == 200
        assert "demo" in [t["slug"] for t in tenants.json()["items"]]

        # The admin app's URL is printed, and the two demo tenants show two brands.
        assert f"http://demo.localhost:{port}/" in printed
        assert f"http://globex.localhost:{port}/" in printed
        for host, product in (("demo.localhost", "Lookout Cams"),
                              ("globex.localhost", "Globex Vision")):
            page = httpx.get(f"http://127.0.0.1:{port}/login", headers={"Host": host},
                             timeout=5)
            assert page.status_code == 200 and f"Sign in to {product}" in page.text

        # The demo admin's printed credentials sign in.
        email, password = re.search(r"Demo admin \(dev only\): (\S+) / (\S+)", printed).groups()
        signed_in = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                               headers={"Host": "demo.localhost"},
                               json={"email": email, "password": password}, timeout=10)
        assert signed_in.status_code == 200, signed_in.text
        me = httpx.get(f"http://127.0.0.1:{port}/api/v1/me",
                       headers={"Host": "demo.localhost",
                                "Authorization": f"Bearer {signed_in.json()['access_token']}"},
                       timeout=5)
        assert me.json()["email"] == "admin@demo.localhost" and me.json()["role"] == "admin"

        # The synthetic camera is live within seconds, and its signed HLS URL plays.
        auth = {"Host": "demo.localhost",
                "Authorization": f"Bearer {signed_in.json()['access_token']}"}
        cameras = httpx.get(f"http://127.0.0.1:{port}/api/v1/cameras", headers=auth,
                            params={"q": "synthetic"}, timeout=5).json()["items"]
        camera_id = cameras[0]["id"]
        # (A camera left "online" by an earlier run may flip offline and back while the demo
        # restarts: wait for a playlist that really plays.)
        deadline = time.monotonic() + 45
        playlist = None
        while time.monotonic() < deadline and playlist is None:
            time.sleep(0.5)
            with contextlib.suppress(httpx.HTTPError):
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/streaming/hls/{camera_id}",
                                   headers=auth, timeout=5)
                if answer.status_code != 200:
                    continue  # 409 not_live until the synthetic camera is in
                url = answer.json()["url"]
                assert url.startswith(f"http://127.0.0.1:{hls_port}/s/")
                served = httpx.get(url, timeout=5)
                playlist = served.text if served.status_code == 200 else None
        assert playlist and "#EXTM3U" in playlist, log.read_text()

        # Every process's /metrics is printed; after the camera published and was viewed the
        # series say so, to an allowed address only.
        printed = log.read_text()
        control_metrics = f"http://127.0.0.1:{port}/metrics"
        for url in (control_metrics, f"http://{worker_metrics}/metrics",
                    f"http://{node_metrics}/metrics"):
            assert url in printed, printed
            elsewhere = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
            with elsewhere:
                assert elsewhere.get(url, timeout=5).status_code == 403, url
        seen = scrape(control_metrics)
        assert value(seen, "argus_publishes_total", result="accepted") >= 1
        assert value(seen, "argus_cameras_online", node="demo-1") >= 1
        assert value(seen, "argus_tenant_cameras_online", tenant="demo") >= 1
        assert value(seen, "argus_http_requests_total",
                     route="/api/v1/streaming/hls/{camera_id}", status="200") >= 1
        assert value(seen, "argus_tenants", state="active") >= 2
        at_node = scrape(f"http://{node_metrics}/metrics")
        assert value(at_node, "argus_node_streams", app="internal") >= 1
        assert value(at_node, "argus_node_received_bytes_total") > 0
        deadline = time.monotonic() + 25  # the node sweep is a cron every 10 s
        while value(scrape(f"http://{worker_metrics}/metrics"), "argus_jobs_total",
                    function="reconcile_nodes", outcome="ok") < 1:
            assert time.monotonic() < deadline, "no node sweep counted by the worker"
            time.sleep(1)

        # One structured log line per request, with the fields operators filter on.
        lines = [json.loads(line) for line in log.read_text().splitlines()
                 if line.startswith("{") and '"http.request"' in line]
        tenant_lines = [e for e in lines if e.get("route") == "/api/v1/tenant"]
        assert tenant_lines, log.read_text()
        entry = tenant_lines[0]
        assert entry["tenant"] == "demo" and entry["status"] == 200
        assert entry["request_id"] and entry["duration_ms"] >= 0
        # A browser's events socket is open when the operator presses Ctrl-C.
        events = sockets.enter_context(ws_connect(
            f"ws://demo.localhost:{port}/api/v1/events",
            sock=socket.create_connection(("127.0.0.1", port)),
            additional_headers={"Authorization": auth["Authorization"]}))
        assert json.loads(events.recv(5))["type"] == "subscribed"
    finally:
        # Ctrl-C in a terminal signals the whole process group: everything stops, quietly.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    with contextlib.suppress(Exception):
        sockets.close()
    left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
    if left.stdout.strip():
        os.killpg(proc.pid, signal.SIGKILL)
    assert not left.stdout.strip(), f"left running: {left.stdout}"
    printed = log.read_text()
    assert "Traceback" not in printed and "CancelledError" not in printed, printed[-3000:]

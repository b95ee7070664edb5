"""A synthetic camera publishes through real nginx-rtmp to a real control plane: the key is
checked, the stream is relayed under its internal name, HLS appears and plays through a signed
URL, the camera turns online, and the key shows up in no path and no log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets

from argus.platform.identity.tokens import digest
from argus.platform.ingest.config import NodeConfig, write
from argus.platform.ingest.models import IngestNode
from argus.platform.ingest.signing import signed_hls_path
from tests.conftest import new_slug, settings_env
from tests.integration.conftest import bearer, login

BIN = Path(sys.executable).parent


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _publisher(url: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
         "testsrc2=size=320x240:rate=25", "-c:v", "libx264", "-preset", "ultrafast",
         "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("w"))


async def _events_socket(api_port: int, tenant, token: str):
    """A dashboard's events WebSocket on the tenant's host, past its greeting."""
    socket_ = await websockets.connect(
        f"ws://{tenant.host}/api/v1/events", host="127.0.0.1", port=api_port,
        additional_headers={"Authorization": f"Bearer {token}"} if token else None)
    hello = json.loads(await asyncio.wait_for(socket_.recv(), 5))
    assert hello == {"type": "subscribed", "tenant": tenant.slug}
    return socket_


async def test_synthetic_camera_goes_live_under_its_internal_name(
        tmp_root, tmp_path, state, client_for, tenant_a, tenant_b):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    created = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                 json={"name": "Synthetic"})).json()
    camera_id, key = created["camera"]["id"], created["ingest"]["stream_key"]

    api_port, rtmp_port, http_port = _port(), _port(), _port()
    node_id, node_secret = new_slug("node"), secrets.token_urlsafe(24)
    async with state["dbs"].control_session() as session:
        session.add(IngestNode(id=node_id, rtmp_url=f"rtmp://127.0.0.1:{rtmp_port}",
                               hls_url=f"http://127.0.0.1:{http_port}", capacity=10,
                               state="active", secret_hash=digest(node_secret)))
        await session.commit()

    env = {**os.environ, **settings_env(tmp_root)}
    hls_secret = env["ARGUS_HLS_SECRET"]  # the control plane signs, nginx checks
    server_log = tmp_path / "server.log"
    server = subprocess.Popen([str(BIN / "argus"), "serve", "--port", str(api_port)], env=env,
                              stdout=server_log.open("w"), stderr=subprocess.STDOUT)
    work = tmp_path / "node"
    work.mkdir()
    conf = write(NodeConfig(node_id=node_id, node_secret=node_secret, hls_secret=hls_secret,
                            control_url=f"http://127.0.0.1:{api_port}", work_dir=work,
                            rtmp_listen=f"127.0.0.1:{rtmp_port}",
                            http_listen=f"127.0.0.1:{http_port}", chunk_minutes=1),
                 tmp_path / "nginx.conf")
    nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(conf), "-g",
                              "daemon off;"], stderr=subprocess.DEVNULL)
    publishers: list[subprocess.Popen] = []
    sockets: list = []
    try:
        def answers(url: str) -> bool:
            try:
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(lambda: answers(f"http://127.0.0.1:{api_port}/healthz"), 30, "the control plane")
        _wait(lambda: answers(f"http://127.0.0.1:{http_port}/healthz"), 10, "nginx")

        # A wrong key is refused: ffmpeg gives up quickly with an error.
        wrong = _publisher(f"rtmp://127.0.0.1:{rtmp_port}/live/not-a-key", tmp_path / "w.log")
        publishers.append(wrong)
        assert wrong.wait(20) != 0

        # Both tenants' dashboards listen; only tenant A's hears of A's camera.
        b_admin = (await login(client, tenant_b))["access_token"]
        socket_a = await _events_socket(api_port, tenant_a, admin)
        socket_b = await _events_socket(api_port, tenant_b, b_admin)
        sockets.extend([socket_a, socket_b])
        # Events need cameras:read: a token without it, or no credentials, gets no socket.
        narrow = (await client.post("/api/v1/api-tokens", headers=bearer(tenant_a, admin),
                                    json={"name": "narrow", "scopes": ["users:read"]})).json()
        for token in (narrow["secret"], None):
            with pytest.raises((websockets.exceptions.InvalidStatus,
                                websockets.exceptions.ConnectionClosed)):
                refused = await _events_socket(api_port, tenant_a, token)
                await asyncio.wait_for(refused.recv(), 5)

        publisher = _publisher(f"rtmp://127.0.0.1:{rtmp_port}/live/{key}", tmp_path / "p.log")
        publishers.append(publisher)
        stream = f"{tenant_a.slug}__{camera_id}"
        playlist = work / "hls" / stream / "index.m3u8"
        _wait(playlist.exists, 30, "the HLS playlist")

        def online() -> bool:
            status = httpx.get(f"http://127.0.0.1:{api_port}/api/v1/cameras/{camera_id}/status",
                               headers=bearer(tenant_a, admin), timeout=2)
            return status.json().get("status") == "online"

        _wait(online, 10, "the camera to turn online")
        event = json.loads(await asyncio.wait_for(socket_a.recv(), 10))
        assert event["type"] == "camera-status" and event["cameraId"] == camera_id
        assert event["status"] == "online"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(socket_b.recv(), 0.5)

        answer = httpx.get(f"http://127.0.0.1:{api_port}/api/v1/streaming/hls/{camera_id}",
                           headers=bearer(tenant_a, admin), timeout=5)
        assert answer.status_code == 200, answer.text
        url = answer.json()["url"]
        assert url.startswith(f"http://127.0.0.1:{http_port}/s/") and key not in url
        signed = url.removeprefix(f"http://127.0.0.1:{http_port}")
        assert signed.endswith(f"/{stream}/index.m3u8")
        assert signed == signed_hls_path(hls_secret, stream, ttl=0,
                                         now=int(signed.split("/")[3]))
        served = httpx.get(url, timeout=5)
        assert served.status_code == 200 and "#EXTM3U" in served.text
        segment = next(line for line in served.text.splitlines()
                       if line and not line.startswith("#"))
        media = httpx.get(f"http://127.0.0.1:{http_port}{signed.rsplit('/', 1)[0]}/{segment}",
                          timeout=5)
        assert media.status_code == 200 and media.content[:1] == b"\x47"
        assert httpx.get(f"http://127.0.0.1:{http_port}/s/x/1/{stream}/index.m3u8"
                         ).status_code == 403
    finally:
        for socket_ in sockets:
            await socket_.close()
        for proc in publishers:
            _stop(proc)
        _stop(nginx, signal.SIGQUIT)
        _stop(server)

    # The key is in no file name under the node's directories and in no log line.
    names = [str(p) for p in work.rglob("*")]
    assert names and not any(key in name for name in names)
    for log in (work / "log" / "error.log", server_log):
        assert key not in log.read_text(errors="replace"), log

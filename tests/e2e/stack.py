"""The real thing, started the way an operator starts it: ``argus serve``, ``argus worker`` and
``argus ingest run`` (nginx-rtmp + node agent) as processes, with short grace periods and
intervals so that tests wait seconds, not minutes."""

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
import websockets
from sqlalchemy import update

from argus.platform.ingest.models import IngestNode
from tests.conftest import new_slug, settings_env

BIN = Path(sys.executable).parent
GRACE = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class LiveStack:
    def __init__(self, tmp_path: Path, tmp_root: Path, work_dir: Path | None = None,
                 server_workers: int = 1, **extra_env: str) -> None:
        self.tmp = tmp_path
        self.server_workers = server_workers
        self.api_port, self.rtmp_port, self.http_port = free_port(), free_port(), free_port()
        self.node_id = new_slug("node")
        self.work = work_dir or tmp_path / "node"
        self.env = {**os.environ, **settings_env(tmp_root, **{
            "ARGUS_NODE_SECRET": secrets.token_urlsafe(24), "ARGUS_LOG_LEVEL": "info",
            "ARGUS_INGEST_OFFLINE_GRACE": str(GRACE), "ARGUS_INGEST_HEARTBEAT_INTERVAL": "1",
            "ARGUS_INGEST_THUMBNAIL_INTERVAL": "2", "ARGUS_INGEST_RELAY_BACKOFF_MAX": "2",
            "ARGUS_PUBLIC_PORT": str(self.api_port), **extra_env})}
        self.hls_secret = self.env["ARGUS_HLS_SECRET"]
        self.storage_root = Path(self.env["ARGUS_STORAGE_ROOT"])
        self.procs: dict[str, subprocess.Popen] = {}
        self.publishers: list[subprocess.Popen] = []
        self.logs: dict[str, Path] = {}

    # --- processes -----------------------------------------------------------------------

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = self.logs.setdefault(name, self.tmp / f"{name}.log")
        proc = subprocess.Popen([str(BIN / "argus"), *args], env=self.env,
                                stdin=subprocess.DEVNULL, stdout=log.open("a"),
                                stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def start_server(self) -> None:
        self._spawn("server", "serve", "--port", str(self.api_port),
                    "--workers", str(self.server_workers))
        wait_for(lambda: answers(f"{self.api}/healthz"), 30, "the control plane")

    def start_worker(self) -> None:
        self._spawn("worker", "worker")

    def start_node(self, wait: bool = True) -> None:
        self._spawn("node", "ingest", "run", "--node", self.node_id, "--work-dir",
                    str(self.work), "--control-url", self.api,
                    "--rtmp-listen", f"127.0.0.1:{self.rtmp_port}",
                    "--http-listen", f"127.0.0.1:{self.http_port}", "--piece-minutes", "1")
        if wait:
            wait_for(lambda: answers(f"http://127.0.0.1:{self.http_port}/healthz"), 60,
                     "nginx")

    async def start(self, services) -> LiveStack:
        # Nodes of earlier tests must not be chosen for this test's cameras.
        async with services.dbs.control_session() as session:
            await session.execute(update(IngestNode).values(state="draining"))
            await session.commit()
        self.start_server()
        self.start_worker()
        self.start_node()

        async def heartbeat_seen() -> bool:
            async with services.dbs.control_session() as session:
                node = await session.get(IngestNode, self.node_id)
            return node is not None and node.last_heartbeat_at is not None

        for _ in range(100):
            if await heartbeat_seen():
                break
            await asyncio.sleep(0.1)
        return self

    def close(self) -> None:
        for proc in self.publishers:
            stop(proc)
        for name in ("node", "worker", "server"):
            if name in self.procs:
                stop(self.procs[name])

    def publish(self, key: str, query: str = "", name: str = "publisher") -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        url = f"rtmp://127.0.0.1:{self.rtmp_port}/live/{key}" + (f"?{query}" if query else "")
        proc = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
             "testsrc2=size=320x240:rate=25", "-c:v", "libx264", "-preset", "ultrafast",
             "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-f", "flv", url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("w"))
        self.publishers.append(proc)
        return proc

    # --- the API -----------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def call(self, tenant, token: str, method: str, path: str, **kw) -> httpx.Response:
        headers = {"Host": tenant.host, "Authorization": f"Bearer {token}"}
        return httpx.request(method, f"{self.api}{path}", headers=headers, timeout=10, **kw)

    def status(self, tenant, token: str, camera_id: str) -> dict:
        response = self.call(tenant, token, "GET", f"/api/v1/cameras/{camera_id}/status")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_status(self, tenant, token: str, camera_id: str, *wanted: str,
                    timeout: float = 20) -> dict:
        return wait_for(lambda: (lambda s: s if s["status"] in wanted else None)(
            self.status(tenant, token, camera_id)), timeout, f"status {wanted}")

    async def events(self, tenant, token: str | None):
        """The tenant's events WebSocket, past its greeting."""
        socket_ = await websockets.connect(
            f"ws://{tenant.host}/api/v1/events", host="127.0.0.1", port=self.api_port,
            additional_headers={"Authorization": f"Bearer {token}"} if token else None)
        hello = json.loads(await asyncio.wait_for(socket_.recv(), 5))
        assert hello == {"type": "subscribed", "tenant": tenant.slug}
        return socket_

    def refused_publishes(self) -> int:
        """How many publish callbacks the control plane has answered 403 so far."""
        count = 0
        for line in self.logs["server"].read_text(errors="replace").splitlines():
            if '"http.request"' in line and '"/internal/rtmp/publish"' in line:
                entry = json.loads(line)
                count += entry.get("status") == 403
        return count

    def all_logs(self) -> str:
        texts = [p.read_text(errors="replace") for p in self.logs.values()]
        texts += [p.read_text(errors="replace") for p in self.tmp.glob("*.log")]
        error_log = self.work / "log" / "error.log"
        if error_log.exists():
            texts.append(error_log.read_text(errors="replace"))
        return "\n".join(texts)


async def next_event(socket_, kind: str, timeout: float) -> dict:
    """The next event of ``kind`` within ``timeout`` seconds (others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(kind)
        event = json.loads(await asyncio.wait_for(socket_.recv(), left))
        if event.get("type") == kind:
            return event

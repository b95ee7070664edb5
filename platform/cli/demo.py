"""``argus demo``: the whole platform on one machine, for a newcomer (dev only).

Sets up the demo tenant (admin, provider key), an ingest node ``demo-1`` and a camera
"Lobby (synthetic)", then runs and supervises: the control plane (``argus serve``), a general
worker, the ingest node (``argus ingest run``: nginx + node agent) and an ffmpeg test pattern
publishing into the camera. Ctrl-C (SIGINT) or SIGTERM stops every process it started. The
synthetic camera is restarted if it exits, like a camera that reconnects; any other process
exiting ends the demo.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from argus.platform.core.settings import Settings
from argus.platform.services import Services

DEMO_NODE = "demo-1"
DEMO_CAMERA = "Lobby (synthetic)"
DEMO_NODE_SECRET = "demo-node-secret-for-local-use-only-0123"  # dev only


def metrics_listen() -> dict[str, str]:
    """Where the demo's worker and node agent serve their own /metrics (unless set)."""
    return {"ARGUS_WORKER_METRICS_LISTEN":
            os.environ.get("ARGUS_WORKER_METRICS_LISTEN") or "127.0.0.1:9465",
            "ARGUS_NODE_METRICS_LISTEN":
            os.environ.get("ARGUS_NODE_METRICS_LISTEN") or "127.0.0.1:9464"}
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _argus() -> str:
    found = Path(sys.executable).with_name("argus")
    return str(found) if found.exists() else (shutil.which("argus") or "argus")


async def demo_camera(services: Services, rtmp_port: int, http_port: int, node_secret: str) -> str:
    """Register ``demo-1`` (with this secret) and the demo camera; a fresh stream key for it
    (keys are stored hashed only, so the demo rotates one at each start)."""
    from sqlalchemy import select

    from argus.platform.audit.service import Audit, RequestMeta
    from argus.platform.cameras.models import Camera
    from argus.platform.cameras.service import CameraService
    from argus.platform.identity.tokens import digest
    from argus.platform.ingest.models import IngestNode

    async with services.dbs.control_session() as session:
        node = await session.get(IngestNode, DEMO_NODE)
        if node is None:
            node = IngestNode(id=DEMO_NODE, capacity=50)
            session.add(node)
        node.rtmp_url = f"rtmp://127.0.0.1:{rtmp_port}"
        node.hls_url = f"http://127.0.0.1:{http_port}"
        node.secret_hash, node.state = digest(node_secret), "active"
        await session.commit()
    tenant = await services.resolver.load(slug="demo")
    if tenant is None:
        raise RuntimeError("the demo tenant is created before its camera")
    settings: Settings = services.settings
    async with services.dbs.tenant_session(tenant) as session:
        audit = Audit(session, None, RequestMeta(user_agent="argus-demo"))
        service = CameraService(session, tenant, audit, services.dbs, settings.ingest.rtmp_url)
        camera = await session.scalar(select(Camera).where(Camera.name == DEMO_CAMERA))
        if camera is not None and camera.chunk_minutes != 2:  # demos made before chunk lengths
            await service.update(camera.id, {"record": True, "chunk_minutes": 2})
        if camera is None:
            created = await service.create({"name": DEMO_CAMERA, "vendor": "other",
                                            "location": "Front desk", "tags": ["demo"],
                                            "record": True, "chunk_minutes": 2})
            return created.ingest.stream_key
        return (await service.rotate_key(camera.id)).stream_key


# The two demo tenants' brands: a newcomer sees white-labelling at work on two hosts.
DEMO_BRANDS = {
    "demo": ({"product_name": "Lookout Cams", "primary_color": "#0b3d91",
              "accent_color": "#ffb000", "theme": "light",
              "support_email": "support@demo.localhost", "email_sender_name": "Lookout"},
             b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 32" width="96" height="32">'
             b'<rect width="96" height="32" rx="6" fill="#0b3d91"/><circle cx="16" cy="16" r="9" '
             b'fill="#ffb000"/><text x="32" y="21" font-family="sans-serif" font-size="13" '
             b'font-weight="bold" fill="#ffffff">Lookout</text></svg>'),
    "globex": ({"product_name": "Globex Vision", "primary_color": "#14532d",
                "accent_color": "#86efac", "theme": "dark",
                "support_email": "help@globex.localhost"},
               b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" '
               b'height="32"><circle cx="16" cy="16" r="15" fill="#86efac"/><path d="M8 16h16M16 '
               b'8v16" stroke="#14532d" stroke-width="4"/></svg>'),
}


async def brand_demo_tenant(services: Services, slug: str) -> None:
    """Give a demo tenant its brand and logo (the same values at every start)."""
    from argus.branding.assets import check_image
    from argus.branding.brands import BrandStore

    tenant = await services.tenant_service.get(slug)
    if not await services.storage.bucket_exists(tenant.bucket):  # another storage root
        await services.storage.create_bucket(tenant.bucket)
    fields, logo = DEMO_BRANDS[slug]
    store = BrandStore(services.dbs)
    await store.update(tenant.id, await services.plans.limits(tenant.plan), fields,
                       replace_all=True)
    await store.set_image(tenant.id, tenant.bucket, services.storage, "logo", check_image(logo))


class Supervisor:
    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen] = {}
        self.stopping = False

    def start(self, name: str, argv: list[str], **kw) -> subprocess.Popen:
        self.procs[name] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kw)
        return self.procs[name]

    def stop_all(self) -> None:
        """SIGTERM, not SIGINT: after a Ctrl-C in a terminal the children already got one
        SIGINT, and a second makes uvicorn abandon its shutdown half-way (a traceback)."""
        self.stopping = True
        for name in ("camera", "node", "worker", "server"):
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_http(url: str, proc: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def camera_command(url: str) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=15",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30",
            "-pix_fmt", "yuv420p", "-b:v", "800k", "-c:a", "aac", "-b:a", "64k",
            "-f", "flv", url]


def run(args: argparse.Namespace, settings: Settings, key: str, node_secret: str,
        rtmp_port: int, http_port: int, work_dir: Path) -> int:
    sup = Supervisor()
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def on_signal(signum, _frame):
        raise KeyboardInterrupt

    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)
    argus = _argus()
    control = f"http://127.0.0.1:{args.port}"
    # Links the platform builds (mails, shares, downloads) name the demo's own port.
    env = {"ARGUS_PUBLIC_PORT": str(args.port), **os.environ, **metrics_listen(),
           "ARGUS_NODE_SECRET": node_secret}
    try:
        server = sup.start("server", [argus, "serve", "--host", args.host, "--port",
                                      str(args.port)], env=env)
        if not _wait_http(f"{control}/healthz", server, 60):
            print("argus demo: the control plane did not start", file=sys.stderr)
            return 1
        sup.start("worker", [argus, "worker"], env=env)
        node = sup.start("node", [
            argus, "ingest", "run", "--node", DEMO_NODE, "--work-dir", str(work_dir),
            "--control-url", control, "--rtmp-listen", f"127.0.0.1:{rtmp_port}",
            "--http-listen", f"127.0.0.1:{http_port}"], env=env)
        if not _wait_http(f"http://127.0.0.1:{http_port}/healthz", node, 30):
            print(f"argus demo: the ingest node did not start (ports {rtmp_port}/{http_port} "
                  "taken? set ARGUS_DEMO_RTMP_PORT / ARGUS_DEMO_HLS_PORT)", file=sys.stderr)
            return 1
        camera_url = f"rtmp://127.0.0.1:{rtmp_port}/live/{key}"
        sup.start("camera", camera_command(camera_url), stdout=subprocess.DEVNULL)
        print(f"  Synthetic camera    {DEMO_CAMERA!r} publishing to the demo node "
              f"(rtmp://127.0.0.1:{rtmp_port}/live/...)\n", flush=True)
        while True:
            time.sleep(0.5)
            for name, proc in list(sup.procs.items()):
                if proc.poll() is None:
                    continue
                if name == "camera":  # a camera reconnects
                    time.sleep(2)
                    sup.start("camera", camera_command(camera_url), stdout=subprocess.DEVNULL)
                    continue
                print(f"argus demo: {name} exited with {proc.returncode}; stopping",
                      file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        sup.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

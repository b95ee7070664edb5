"""Benchmark: the admin dashboard of a tenant with 1,000 cameras.

Run: ``.venv/bin/python bench/ui/run.py [--cameras 1000] [--requests 500]`` after
``./scripts/test`` or ``./scripts/run`` has set up the services. It uses its own control schema
``argus_bench_ui_control`` (dropped at start and end), starts ``argus serve`` (one uvicorn
worker) on a free port and prints:

- the time to render ``GET /`` (the dashboard: counts, storage, the first 48 tiles) for a
  signed-in admin, p50/p99 over sequential requests on loopback after a warm-up, and the HTML
  bytes transferred (uncompressed and gzip, as a proxy would send them);
- the same for ``GET /cameras`` (the list, 50 rows);
- in Debian's Chromium (Playwright), the time from navigation until the first live tile is
  visible, median of 5 cold page loads.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import cpu_seconds, drop_schemas, free_port  # noqa: E402

from argus.platform.cameras.models import Camera
from argus.platform.cli.commands import ensure_user, migrate_control
from argus.platform.core.logging import configure_logging
from argus.platform.core.settings import Settings
from argus.platform.services import Services
from argus.tenants.service import TenantSpec

CONTROL = "argus_bench_ui_control"
TENANT = "bench-ui"
PASSWORD = "bench-ui-password-123"
BIN = Path(sys.executable).parent



def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def seed(settings: Settings, cameras: int) -> None:
    services = Services.build(settings)
    try:
        await migrate_control(services)
        row, _ = await services.tenant_service.put(TENANT, TenantSpec(name="Bench UI"))
        tenant = await services.resolver.load(row.id)
        await ensure_user(services, TENANT, "admin@bench-ui.example", "Admin", "admin", PASSWORD)
        rng = random.Random(7)
        statuses = ["online"] * 6 + ["offline"] * 3 + ["error"]
        async with services.dbs.tenant_session(tenant) as s:
            s.add_all(Camera(id=str(uuid.uuid4()), name=f"Camera {i:04d} " + "x" * 40,
                             location=f"Site {i // 50}", status=rng.choice(statuses),
                             record=True) for i in range(cameras))
            await s.commit()
    finally:
        await services.close()


def timed_gets(client: httpx.Client, path: str, count: int) -> tuple[list[float], bytes]:
    for _ in range(20):  # warm-up
        client.get(path)
    times, body = [], b""
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text[:200]
        body = response.content
    return times, body


async def first_live_tile(base: str, cookies: list[dict], rounds: int = 5) -> list[float]:
    results = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        for _ in range(rounds):
            context = await browser.new_context()
            await context.add_cookies(cookies)
            page = await context.new_page()
            start = time.perf_counter()
            await page.goto(base + "/", wait_until="commit")
            await page.wait_for_selector("li.tile[data-status=online]", state="visible")
            results.append((time.perf_counter() - start) * 1000)
            await context.close()
        await browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    configure_logging(json=False, level="warning")
    tmp = Path(tempfile.mkdtemp(prefix="argus-bench-ui-"))
    os.environ.update({"ARGUS_CONTROL_SCHEMA": CONTROL, "ARGUS_STORAGE_ROOT": str(tmp),
                       "ARGUS_LOG_LEVEL": "warning", "ARGUS_API_RATE_LIMIT": "1000000",
                       "ARGUS_JWT_SECRETS": os.environ.get("ARGUS_JWT_SECRETS")
                       or "bench-ui-signing-key-0123456789abcdef0123456789"})
    settings = Settings.from_env()
    asyncio.run(drop_schemas(settings, CONTROL, "argus_t_bench_ui"))
    asyncio.run(seed(settings, args.cameras))
    port = free_port()
    server = subprocess.Popen([str(BIN / "argus"), "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://{TENANT}.localhost:{port}"
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}",
                              headers={"Host": f"{TENANT}.localhost"}, timeout=10)
        for _ in range(100):
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        login = client.post("/api/v1/auth/login", json={
            "email": "admin@bench-ui.example", "password": PASSWORD, "cookie": True})
        assert login.status_code == 200, login.text
        cpu_before = cpu_seconds(server.pid)
        dash_times, dash = timed_gets(client, "/", args.requests)
        cpu_dash = (cpu_seconds(server.pid) - cpu_before) / (args.requests + 20) * 1000
        list_times, listing = timed_gets(client, "/cameras", args.requests // 2)
        cookies = [{"name": k, "value": v, "url": base} for k, v in client.cookies.items()]
        tiles = asyncio.run(first_live_tile(base, cookies))
    finally:
        server.terminate()
        server.wait(10)
        asyncio.run(drop_schemas(settings, CONTROL, "argus_t_bench_ui"))

    tile_count = dash.count(b'class="tile"')
    print(f"bench/ui — {args.cameras} cameras, {args.requests} sequential requests per page, "
          f"one uvicorn worker, {os.cpu_count()} cores (server, MariaDB, Redis and the client "
          "on the same machine)")
    print(f"GET /         p50 {statistics.median(dash_times):.1f} ms, "
          f"p99 {percentile(dash_times, 99):.1f} ms (target p99 <= 150 ms), "
          f"server CPU {cpu_dash:.1f} ms/request, "
          f"HTML {len(dash):,} bytes ({len(gzip.compress(dash)):,} gzip), "
          f"{tile_count} tiles")
    print(f"GET /cameras  p50 {statistics.median(list_times):.1f} ms, "
          f"p99 {percentile(list_times, 99):.1f} ms, HTML {len(listing):,} bytes "
          f"({len(gzip.compress(listing)):,} gzip)")
    print(f"Chromium: first live tile visible {statistics.median(tiles):.0f} ms after "
          f"navigation (median of {len(tiles)} cold loads: "
          + ", ".join(f"{t:.0f}" for t in tiles) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())

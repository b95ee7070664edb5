"""Benchmark: tenant-schema reads vs a bare route, provisioning, migrations over 1,000 tenants.

Run: ``.venv/bin/python bench/api/run.py`` after ``./scripts/test`` or ``./scripts/run`` has set
up the services (wrk is installed with apt when missing). Uses its own control schema
(``argus_bench_control``) and tenants (``bench-*``, ``bk*``), dropped at start and at the end.
Prints every figure with the conditions it was measured under.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform as stdlib_platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from argus.platform.cameras.models import Camera
from argus.platform.cli.commands import ensure_user, migrate_control
from argus.platform.core.logging import configure_logging
from argus.platform.core.settings import Settings
from argus.platform.services import Services
from argus.tenants.service import TenantSpec

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CONTROL = "argus_bench_control"
READ_TENANTS = ["bench-a", "bench-b", "bench-c"]
BENCH_PASSWORD = "bench-admin-password"
JWT_KEY = "bench-only-jwt-signing-key-0123456789abcdef"


def bench_env(storage_root: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"ARGUS_CONTROL_SCHEMA": CONTROL, "ARGUS_STORAGE_ROOT": storage_root,
                "ARGUS_STORAGE_BACKEND": "local", "ARGUS_JWT_SECRETS": JWT_KEY,
                # The counter still runs on every call; the budget is just out of reach.
                "ARGUS_API_RATE_LIMIT": "1000000000"})
    env.update(extra)
    return env


async def drop_bench_schemas(settings: Settings) -> None:
    engine = create_async_engine(settings.database.clusters[settings.database.control_cluster])
    async with engine.connect() as conn:
        names = [r[0] for r in await conn.execute(text(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE "
            "'argus\\_t\\_bk%' OR schema_name LIKE 'argus\\_t\\_bench\\_%' "
            f"OR schema_name = '{CONTROL}'"))]
        for name in names:
            await conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    await engine.dispose()


async def prepare_read_tenants(settings: Settings, cameras: int) -> None:
    services = Services.build(settings)
    try:
        await migrate_control(services)
        for slug in READ_TENANTS:
            tenant, _ = await services.tenant_service.put(slug, TenantSpec(name=slug))
            maker = services.dbs.for_tenant(tenant)
            async with maker() as session:
                session.add_all(Camera(name=f"{slug} camera {i}") for i in range(cameras))
                await session.commit()
            await ensure_user(services, slug, f"admin@{slug}.example", "Bench", "admin",
                              BENCH_PASSWORD)
    finally:
        await services.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_wrk(output: str) -> dict[str, float]:
    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99,
            "non_2xx": int(errors.group(1)) if errors else 0}


def wrk(url: str, seconds: int, entries: list[str]) -> dict[str, float]:
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s",
           str(HERE / "rotate_hosts.lua"), url, "--", *entries]
    return parse_wrk(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def measure_http(env: dict[str, str], duration: int,
                 rounds: int) -> dict[str, list[dict[str, float]]]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "argus"), "serve", "--workers", "2", "--port", str(port),
         "--app", "bench_app:create_app_from_env", "--app-dir", str(HERE)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    hosts = [f"{slug}.localhost" for slug in READ_TENANTS]
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/v1/bench/cameras",
                             headers={"Host": hosts[0]}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        jwts, tokens = [], []
        for host, slug in zip(hosts, READ_TENANTS, strict=True):
            signed_in = httpx.post(f"{base}/api/v1/auth/login", headers={"Host": host},
                                   json={"email": f"admin@{slug}.example",
                                         "password": BENCH_PASSWORD}).json()
            jwt = signed_in["access_token"]
            created = httpx.post(f"{base}/api/v1/api-tokens",
                                 headers={"Host": host, "Authorization": f"Bearer {jwt}"},
                                 json={"name": "bench", "scopes": ["cameras:read"]}).json()
            jwts.append(f"{host}|{jwt}")
            tokens.append(f"{host}|{created['secret']}")
        routes = (("tenant_read", "/api/v1/bench/cameras", hosts),
                  ("tenant_read_jwt", "/api/v1/bench/cameras-auth", jwts),
                  ("tenant_read_api_token", "/api/v1/bench/cameras-auth", tokens),
                  ("bare", "/bench/bare", []))
        results: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in routes}
        for _name, path, route_hosts in routes:
            wrk(base + path, 3, route_hosts)  # warm-up
        for _ in range(rounds):
            for name, path, route_hosts in routes:
                results[name].append(wrk(base + path, duration, route_hosts))
        logins = ["login", *(f"{h}|admin@{s}.example|{BENCH_PASSWORD}"
                             for h, s in zip(hosts, READ_TENANTS, strict=True))]
        results["login"] = [wrk(base + "/api/v1/auth/login", duration, logins)]
        return results
    finally:
        server.terminate()
        server.wait(20)


async def measure_provisioning(settings: Settings, count: int, prefix: str = "bkprov") -> float:
    services = Services.build(settings)
    times = []
    try:
        for i in range(count):
            started = time.perf_counter()
            await services.tenant_service.put(f"{prefix}{i:04d}", TenantSpec(name="p"))
            times.append(time.perf_counter() - started)
    finally:
        await services.close()
    return statistics.median(times) * 1000


def _provision_share(env: dict[str, str], slugs: list[str]) -> int:
    configure_logging(json=True, level="warning")

    async def run() -> int:
        services = Services.build(Settings.from_env(env))
        try:
            for slug in slugs:
                await services.tenant_service.put(slug, TenantSpec(name=slug))
        finally:
            await services.close()
        return len(slugs)

    return asyncio.run(run())


def measure_many(env: dict[str, str], count: int, processes: int) -> tuple[float, float]:
    slugs = [f"bk{i:05d}" for i in range(count)]
    started = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=ctx) as pool:
        done = sum(pool.map(_provision_share, [env] * processes,
                            [slugs[i::processes] for i in range(processes)]))
    create_s = time.perf_counter() - started
    assert done == count
    started = time.perf_counter()
    result = subprocess.run([str(BIN / "argus"), "migrate", "--all-tenants", "--parallel", "2"],
                            env=env, capture_output=True, text=True)
    noop_s = time.perf_counter() - started
    if result.returncode != 0 or "failed" in result.stdout.splitlines()[-1]:
        raise SystemExit(result.stdout[-2000:] + result.stderr[-2000:])
    return create_s, noop_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds per route")
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--cameras", type=int, default=100, help="cameras per read tenant")
    parser.add_argument("--keep", action="store_true", help="keep the bench schemas")
    parser.add_argument("--processes", type=int, default=4,
                        help="processes provisioning the many tenants (DDL waits on MariaDB)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)

    configure_logging(json=True, level="warning")
    storage_root = tempfile.mkdtemp(prefix="argus-bench-")
    env = bench_env(storage_root, ARGUS_LOG_LEVEL="info")
    settings = Settings.from_env(env)
    asyncio.run(drop_bench_schemas(settings))
    try:
        asyncio.run(prepare_read_tenants(settings, args.cameras))
        http = measure_http(env, args.duration, args.rounds)
        provision_ms = asyncio.run(measure_provisioning(settings, 21))
        s3_endpoint = os.environ.get("ARGUS_TEST_S3_ENDPOINT", "http://127.0.0.1:9100")
        s3_settings = Settings.from_env(bench_env(
            storage_root, ARGUS_STORAGE_BACKEND="s3", ARGUS_S3_ENDPOINT_URL=s3_endpoint,
            ARGUS_S3_ACCESS_KEY_ID="bench", ARGUS_S3_SECRET_ACCESS_KEY="bench",
            ARGUS_BUCKET_PREFIX="argus-bench-"))
        provision_s3_ms = asyncio.run(measure_provisioning(s3_settings, 21, "bkprovs"))
        create_s, noop_s = measure_many(env, args.tenants, processes=args.processes)
    finally:
        if not args.keep:
            asyncio.run(drop_bench_schemas(settings))
            shutil.rmtree(storage_root, ignore_errors=True)

    def median_round(rounds: list[dict[str, float]]) -> dict[str, float]:
        return sorted(rounds, key=lambda r: r["rps"])[len(rounds) // 2]

    tr, bare = median_round(http["tenant_read"]), median_round(http["bare"])
    jwt_read = median_round(http["tenant_read_jwt"])
    token_read = median_round(http["tenant_read_api_token"])
    login = http["login"][0]
    print(f"conditions: {os.cpu_count()} cores, {stdlib_platform.platform()}, "
          f"Python {stdlib_platform.python_version()}, local-directory storage, "
          f"wrk -t2 -c32 -d{args.duration}s x {args.rounds} rounds after a 3 s warm-up, "
          "argus serve --workers 2, "
          f"request log at info level, Host rotated over {len(READ_TENANTS)} tenants "
          f"with {args.cameras} cameras each")
    for name, rounds in http.items():
        print(f"rounds {name}: " + "; ".join(
            f"{r['rps']:.0f} req/s p50 {r['p50_ms']:.1f} p99 {r['p99_ms']:.1f} ms" for r in rounds))
    print("median rounds (by req/s):")
    print(f"tenant-schema read: {tr['rps']:.0f} req/s, p50 {tr['p50_ms']:.2f} ms, "
          f"p99 {tr['p99_ms']:.2f} ms, non-2xx {tr['non_2xx']}")
    print(f"bare route:         {bare['rps']:.0f} req/s, p50 {bare['p50_ms']:.2f} ms, "
          f"p99 {bare['p99_ms']:.2f} ms, non-2xx {bare['non_2xx']}")
    print(f"tenant read / bare: {tr['rps'] / bare['rps']:.2f}")
    for name, r in (("JWT", jwt_read), ("API token", token_read)):
        extra = tr["rps"] / r["rps"] - 1
        print(f"authenticated read ({name}): {r['rps']:.0f} req/s, p50 {r['p50_ms']:.2f} ms, "
              f"p99 {r['p99_ms']:.2f} ms, non-2xx {r['non_2xx']}; auth adds {extra:.0%} "
              "to the cost of a read")
    print(f"login: {login['rps']:.0f} req/s, p50 {login['p50_ms']:.1f} ms, "
          f"p99 {login['p99_ms']:.1f} ms, non-2xx {login['non_2xx']} "
          f"(argon2id t={settings.auth.argon2_time_cost}, "
          f"m={settings.auth.argon2_memory_kib} KiB, p={settings.auth.argon2_parallelism})")
    print(f"provision one tenant (schema, migrations, directory), median of 21: "
          f"{provision_ms:.1f} ms")
    print(f"provision one tenant (schema, migrations, S3 bucket on moto_server at {s3_endpoint}), "
          f"median of 21: {provision_s3_ms:.1f} ms")
    print(f"create + migrate {args.tenants} tenants (full provisioning, "
          f"{args.processes} processes): "
          f"{create_s:.1f} s")
    print(f"no-op migrate --all-tenants over {args.tenants} tenants (whole CLI run): "
          f"{noop_s:.1f} s")


if __name__ == "__main__":
    main()

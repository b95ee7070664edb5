"""The CLI's commands. They use the same services as the HTTP API (``build_state``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator

import msgspec

from argus.platform.app import build_state, close_state
from argus.platform.core.errors import ArgusError
from argus.platform.core.logging import configure_logging
from argus.platform.core.migrate import TenantTarget, migrate_all, upgrade_schema
from argus.platform.core.settings import Settings
from argus.platform.provider.keys import create_key
from argus.platform.provider.schemas import TenantOut
from argus.tenants.service import TenantSpec

DEMO_PROVIDER_KEY = "argus_pk_000000000000_demo-provider-key-for-local-use-only-000000"


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


def _settings() -> Settings:
    settings = Settings.from_env()
    # The CLI prints its results; logs stay readable unless asked for JSON.
    configure_logging(json=os.environ.get("ARGUS_LOG_JSON") == "true", level="warning")
    return settings


@contextlib.asynccontextmanager
async def _state(settings: Settings | None = None) -> AsyncIterator[dict]:
    state = build_state(settings or _settings())
    try:
        yield state
    except ArgusError as exc:
        raise CliError(f"{exc.detail}" + (f" (field: {exc.field})" if exc.field else "")) from exc
    finally:
        await close_state(state)


def _print_json(obj) -> None:
    print(json.dumps(msgspec.to_builtins(obj), indent=2))


# --- processes -------------------------------------------------------------------------------

def serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(getattr(args, "app", "argus.platform.app:create_app_from_env"), factory=True,
                app_dir=getattr(args, "app_dir", None), host=args.host, port=args.port,
                workers=args.workers, access_log=False, log_level="warning",
                proxy_headers=False)
    return 0


def worker(args: argparse.Namespace) -> int:
    from arq import run_worker

    from argus.platform.workers import worker_settings

    settings = _settings()
    run_worker(worker_settings(settings), burst=args.burst)
    return 0


# --- migrations ------------------------------------------------------------------------------

async def migrate_control(state: dict) -> None:
    settings: Settings = state["settings"]
    await upgrade_schema(state["dbs"].engine(settings.database.control_cluster), "control",
                         settings.database.control_schema)


async def migrate(args: argparse.Namespace) -> int:
    settings = _settings()
    async with _state(settings) as state:
        await migrate_control(state)
        print(f"control schema {settings.database.control_schema}: up to date")
        if not args.all_tenants:
            return 0
        tenants = await state["tenant_service"].all_targets()
    targets = [TenantTarget(t.slug, t.db_cluster, t.schema) for t in tenants]
    provisioning = {t.slug for t in tenants if t.state == "provisioning"}
    results = await migrate_all(settings, targets, parallel=max(1, args.parallel))
    counts: dict[str, int] = {}
    width = max([len(r.slug) for r in results] + [6])
    print(f"{'tenant':<{width}}  {'result':<9} {'from':<6} {'to':<6} seconds  error")
    for r in results:
        status = r.status
        if status == "missing" and r.slug in provisioning:
            status = "skipped"
        counts[status] = counts.get(status, 0) + 1
        shown = status.upper() if status in ("failed", "missing") else status
        print(f"{r.slug:<{width}}  {shown:<9} {r.before or '-':<6} {r.after or '-':<6} "
              f"{r.seconds:7.2f}  {r.error or ''}")
    failed = counts.get("failed", 0) + counts.get("missing", 0)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    print(f"{len(results)} tenants: {summary or 'none'}")
    return 1 if failed else 0


# --- tenants -----------------------------------------------------------------------------------

async def tenants_create(args: argparse.Namespace) -> int:
    async with _state() as state:
        tenant, created = await state["tenant_service"].put(
            args.slug, TenantSpec(name=args.name, plan=args.plan, domains=args.domains,
                                  db_cluster=args.db_cluster))
        print(("created " if created else "updated ") + tenant.slug, file=sys.stderr)
        _print_json(TenantOut.of(tenant))
    return 0


async def tenants_list(args: argparse.Namespace) -> int:
    async with _state() as state:
        cursor, rows = None, []
        while True:
            page, cursor = await state["tenant_service"].list(cursor, 500, args.state)
            rows += page
            if cursor is None:
                break
    if args.json:
        _print_json([TenantOut.of(t) for t in rows])
        return 0
    print(f"{'slug':<40} {'state':<13} {'plan':<13} {'cluster':<10} name")
    for t in rows:
        print(f"{t.slug:<40} {t.state:<13} {t.plan:<13} {t.db_cluster:<10} {t.name}")
    return 0


async def tenants_show(args: argparse.Namespace) -> int:
    async with _state() as state:
        _print_json(TenantOut.of(await state["tenant_service"].get(args.slug)))
    return 0


async def _set_state(slug: str, target: str) -> int:
    async with _state() as state:
        _print_json(TenantOut.of(await state["tenant_service"].update(slug, state=target)))
    return 0


async def tenants_suspend(args: argparse.Namespace) -> int:
    return await _set_state(args.slug, "suspended")


async def tenants_resume(args: argparse.Namespace) -> int:
    return await _set_state(args.slug, "active")


async def tenants_delete(args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("refusing to delete without --yes when not on a terminal")
        answer = input(f"Delete tenant {args.slug!r}, its database and its bucket? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            return 1
    async with _state() as state:
        await state["tenant_service"].delete(args.slug)
    print(f"deleted {args.slug}", file=sys.stderr)
    return 0


# --- provider keys -------------------------------------------------------------------------

async def provider_keys_create(args: argparse.Namespace) -> int:
    async with _state() as state:
        key = await create_key(state["dbs"], args.name)
    print(key)
    return 0


# --- demo ----------------------------------------------------------------------------------

async def _demo_setup(settings: Settings) -> str:
    async with _state(settings) as state:
        await migrate_control(state)
        service = state["tenant_service"]
        await service.put("demo", TenantSpec(name="Demo Security Co."))
        key = await create_key(state["dbs"], "demo",
                               os.environ.get("ARGUS_DEMO_PROVIDER_KEY") or DEMO_PROVIDER_KEY)
    return key


def demo(args: argparse.Namespace) -> int:
    settings = _settings()
    key = asyncio.run(_demo_setup(settings))
    base = settings.http.base_domain
    port = "" if args.port == 80 else f":{args.port}"
    print(f"""
Argus is {'set up' if args.no_serve else 'running'}.

  Demo tenant API      http://demo.{base}{port}/api/v1/tenant
  Provider API         http://{settings.http.provider_host}{port}/provider/v1/tenants
  OpenAPI (Swagger)    http://{settings.http.provider_host}{port}/schema/swagger
  Health               http://127.0.0.1{port}/readyz

  Provider key (dev only): {key}
    curl -H "Authorization: Bearer {key}" http://{settings.http.provider_host}{port}/provider/v1/tenants
""", flush=True)
    if args.no_serve:
        return 0
    return serve(argparse.Namespace(host=args.host, port=args.port, workers=1))

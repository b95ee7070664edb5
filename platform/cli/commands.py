"""The CLI's commands. They use the same services as the HTTP API (``Services``); the
tenant commands build only the tenant service, and heavy modules are imported by the commands
that use them, so a quick command starts quickly."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from argus.platform.cli.errors import CliError
from argus.platform.core.errors import ArgusError
from argus.platform.core.logging import configure_logging
from argus.platform.core.settings import Settings
from argus.platform.provider.schemas import TenantOut
from argus.tenants.service import TenantService, TenantSpec

if TYPE_CHECKING:
    from argus.billing.plans import PlanBook
    from argus.platform.services import Services

DEMO_PROVIDER_KEY = "argus_pk_000000000000_demo-provider-key-for-local-use-only-000000"
DEMO_ADMIN_EMAIL = "admin@demo.localhost"
SECOND_ADMIN_EMAIL = "admin@globex.localhost"
DEMO_ADMIN_PASSWORD = "demo-admin-password"  # dev only; ARGUS_DEMO_ADMIN_PASSWORD overrides


def _settings() -> Settings:
    settings = Settings.from_env()
    # The CLI prints its results; logs stay readable unless asked for JSON.
    configure_logging(json=os.environ.get("ARGUS_LOG_JSON") == "true", level="warning")
    return settings


@contextlib.asynccontextmanager
async def _services(settings: Settings | None = None) -> AsyncIterator[Services]:
    from argus.platform.services import Services

    services = Services.build(settings or _settings())
    try:
        yield services
    except ArgusError as exc:
        raise CliError(f"{exc.detail}" + (f" (field: {exc.field})" if exc.field else "")) from exc
    finally:
        await services.close()


@contextlib.asynccontextmanager
async def _tenants(read_only: bool = False) -> AsyncIterator[TenantService]:
    """Only what the tenant commands use: the tenant service on the infrastructure (reads:
    on the control database alone, no Redis)."""
    from argus.platform.services import build_infra, build_tenant_service, tenant_reader

    settings = _settings()
    closing = service = None
    try:
        if read_only:
            service = tenant_reader(settings)
        else:
            from argus.tenants.resolution import publish_tenant_changed

            infra = closing = build_infra(settings)

            async def notify(slug: str) -> None:
                await publish_tenant_changed(infra.redis, settings.database.control_schema,
                                             slug)

            service = build_tenant_service(infra, notify)
        yield service
    except ArgusError as exc:
        raise CliError(f"{exc.detail}" + (f" (field: {exc.field})" if exc.field else "")) from exc
    finally:
        if closing is not None:
            await closing.close()
        elif service is not None:
            await service.dbs.dispose()


def _print_json(obj) -> None:
    print(json.dumps(msgspec.to_builtins(obj), indent=2))


# --- processes -------------------------------------------------------------------------------

def serve(args: argparse.Namespace) -> int:
    import uvicorn

    if not Settings.from_env().auth.jwt_secrets:
        raise CliError("ARGUS_JWT_SECRETS is not set: give at least one signing key of 32+ "
                       "characters (comma-separate several to rotate)")
    if args.workers > 1:  # their metrics add up through files (observability.metrics)
        from argus.platform.observability.metrics import prepare_multiprocess_dir

        shared = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR")
                      or Path(tempfile.gettempdir()) / f"argus-metrics-{args.port}")
        prepare_multiprocess_dir(shared)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    uvicorn.run(getattr(args, "app", "argus.platform.app:create_app_from_env"), factory=True,
                app_dir=getattr(args, "app_dir", None), host=args.host, port=args.port,
                workers=args.workers, access_log=False, log_level="warning",
                # The app reads X-Forwarded-For/-Proto itself (every header line, trusted
                # proxies only: argus.platform.core.forwarded); uvicorn's own reading keeps one
                # line and would rewrite the peer address before the app could check it.
                proxy_headers=False)
    return 0


def worker(args: argparse.Namespace) -> int:
    from arq import run_worker

    from argus.platform.workers import worker_settings

    settings = _settings()
    run_worker(worker_settings(settings), burst=args.burst)
    return 0


# --- migrations ------------------------------------------------------------------------------

async def migrate_control(services: Services) -> None:
    from argus.platform.core.migrate import upgrade_schema

    settings: Settings = services.settings
    await upgrade_schema(services.dbs.engine(settings.database.control_cluster), "control",
                         settings.database.control_schema)


async def migrate(args: argparse.Namespace) -> int:
    from argus.platform.core.migrate import TenantTarget, migrate_all

    settings = _settings()
    async with _services(settings) as services:
        await migrate_control(services)
        print(f"control schema {settings.database.control_schema}: up to date")
        if not args.all_tenants:
            return 0
        tenants = await services.tenant_service.all_targets()
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
    async with _tenants() as tenants:
        tenant, created = await tenants.put(
            args.slug, TenantSpec(name=args.name, plan=args.plan, domains=args.domains,
                                  db_cluster=args.db_cluster))
        print(("created " if created else "updated ") + tenant.slug, file=sys.stderr)
        _print_json(TenantOut.of(tenant))
    return 0


async def tenants_list(args: argparse.Namespace) -> int:
    async with _tenants(read_only=True) as tenants:
        cursor, rows = None, []
        while True:
            page, cursor = await tenants.list(cursor, 500, args.state)
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
    async with _tenants(read_only=True) as tenants:
        _print_json(TenantOut.of(await tenants.get(args.slug)))
    return 0


async def _set_tenant_state(slug: str, target: str) -> int:
    async with _tenants() as tenants:
        _print_json(TenantOut.of(await tenants.update(slug, state=target)))
    return 0


async def tenants_suspend(args: argparse.Namespace) -> int:
    return await _set_tenant_state(args.slug, "suspended")


async def tenants_resume(args: argparse.Namespace) -> int:
    return await _set_tenant_state(args.slug, "active")


async def tenants_delete(args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("refusing to delete without --yes when not on a terminal")
        answer = input(f"Delete tenant {args.slug!r}, its database and its bucket? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            return 1
    async with _tenants() as tenants:
        await tenants.delete(args.slug)
    print(f"deleted {args.slug}", file=sys.stderr)
    return 0


# --- plans -----------------------------------------------------------------------------------

@contextlib.asynccontextmanager
async def _plans() -> AsyncIterator[PlanBook]:
    """The plan book on the control database alone."""
    from argus.billing.plans import PlanBook
    from argus.platform.core.db import Databases

    dbs = Databases(_settings().database)
    try:
        yield PlanBook(dbs)
    except ArgusError as exc:
        raise CliError(f"{exc.detail}" + (f" (field: {exc.field})" if exc.field else "")) from exc
    finally:
        await dbs.dispose()


async def plans_list(args: argparse.Namespace) -> int:
    from argus.platform.billing.schemas import plan_out

    async with _plans() as plans:
        items = await plans.list()
    if args.json:
        _print_json([plan_out(*item) for item in items])
        return 0
    print(f"{'name':<16} {'currency':<8} {'per camera-month':>16} {'max cameras':>11} "
          f"{'retention':>9} {'tenants':>7}")
    for limits, _, tenants in items:
        print(f"{limits.name:<16} {limits.currency:<8} {limits.price_per_camera_month:>16} "
              f"{_or_unlimited(limits.max_cameras):>11} "
              f"{_or_unlimited(limits.max_retention_days):>9} {tenants:>7}")
    return 0


def _or_unlimited(value: int | None) -> str:
    return "unlimited" if value is None else str(value)


async def plans_show(args: argparse.Namespace) -> int:
    from argus.platform.billing.schemas import plan_out

    async with _plans() as plans:
        _print_json(plan_out(*await plans.get(args.name)))
    return 0


async def plans_put(args: argparse.Namespace) -> int:
    """Create or replace a plan from a JSON file (``-``: standard input) and ``--set``s."""
    from argus.platform.billing.schemas import PlanIn, limits_of, plan_out

    body: dict[str, object] = {}
    if args.file:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
        body = json.loads(text)
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise CliError(f"--set takes key=value, not {item!r}")
        try:  # 5, null, true: JSON; anything else (EUR) is text
            body[key] = json.loads(value)
        except ValueError:
            body[key] = value
    try:
        data = msgspec.convert(body, PlanIn)
    except msgspec.ValidationError as exc:
        raise CliError(str(exc)) from exc
    async with _plans() as plans:
        created = await plans.put(limits_of(args.name, data))
        _print_json(plan_out(*await plans.get(args.name)))
    print(("created " if created else "updated ") + args.name, file=sys.stderr)
    return 0


async def plans_delete(args: argparse.Namespace) -> int:
    async with _plans() as plans:
        await plans.delete(args.name)
    print(f"deleted plan {args.name}", file=sys.stderr)
    return 0


def terraform_env(args: argparse.Namespace) -> int:
    from pathlib import Path

    from argus.platform.terraform.install import install

    try:
        config = install(Path(args.dir) if args.dir else None)
    except (OSError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from exc
    print(f"export TF_CLI_CONFIG_FILE={config}")
    return 0


async def billing_invoices(args: argparse.Namespace) -> int:
    from argus.billing.invoices import run_invoices

    async with _plans() as plans:
        _print_json(await run_invoices(plans.dbs, args.period))
    return 0


async def billing_reconcile(args: argparse.Namespace) -> int:
    from argus.billing.pricing import month_bounds
    from argus.platform.billing.reconcile import reconcile_tenant

    try:
        month_bounds(args.period)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    async with _services() as services:
        if args.tenant:
            one = await services.resolver.by_slug(args.tenant)
            if one is None:
                raise CliError(f"tenant {args.tenant!r} not found")
            tenants = [one]
        else:
            tenants = await services.resolver.active()
        rows = [row for tenant in tenants
                for row in await reconcile_tenant(services.dbs, tenant, args.period)]
    if args.json:
        _print_json(rows)
    else:
        print(f"{'tenant':<24} {'meter':<15} {'facts':>7} {'events':>7} {'missing':>7} "
              f"{'differing':>9} {'gone':>5}  drift")
        for r in rows:
            print(f"{r['tenant']:<24} {r['meter']:<15} {r['facts']:>7} {r['events']:>7} "
                  f"{r['missing']:>7} {r['differing']:>9} {r['gone']:>5}  "
                  f"{'DRIFT' if r['drift'] else 'none'}")
    return 1 if any(r["drift"] for r in rows) else 0


async def tenants_set_plan(args: argparse.Namespace) -> int:
    async with _tenants() as tenants:
        _print_json(TenantOut.of(await tenants.update(args.slug, plan=args.plan)))
    return 0


# --- users ---------------------------------------------------------------------------------

@contextlib.asynccontextmanager
async def user_service(services: Services, slug: str):
    """A ``UserService`` on ``slug``'s schema, acting as the CLI (audited as ``system``)."""
    from argus.platform.audit.service import Audit, RequestMeta
    from argus.platform.identity.auth import AuthService
    from argus.platform.identity.users import UserService

    tenant = await services.resolver.load(slug=slug)
    if tenant is None:
        raise CliError(f"tenant {slug!r} not found")
    if tenant.state != "active":
        raise CliError(f"tenant {slug!r} is {tenant.state}")
    async with services.dbs.tenant_session(tenant) as session:
        audit = Audit(session, None, RequestMeta(user_agent="argus-cli"))
        auth = AuthService(session, tenant, services.identity, audit, services.mailer)
        service = UserService(session, auth, None, audit, services.mailer)
        yield service


async def ensure_user(services: Services, slug: str, email: str, name: str, role: str,
                      password: str) -> bool:
    """Create an active user, or reset an existing one's password and role. True if created."""
    from sqlalchemy import select

    from argus.platform.identity.auth import normalize_email
    from argus.platform.identity.models import User
    from argus.platform.identity.passwords import check_policy

    async with user_service(services, slug) as service:
        existing = await service.session.scalar(
            select(User).where(User.email == normalize_email(email)))
        if existing is None:
            await service.create(email, name, role, password)
            return True
        await service.auth.set_password(existing, check_policy(password))
        existing.role, existing.state = role, "active"
        service.audit.record("users.update", "user", existing.id,
                             actor=("system", None, "argus-cli"),
                             detail={"role": role, "state": "active", "password": "reset"})
        await service.session.commit()
        return False


async def users_create(args: argparse.Namespace) -> int:
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    async with _services() as services:
        if password is None:
            async with user_service(services, args.tenant) as service:
                from argus.tenants.urls import tenant_base_url

                link_base = tenant_base_url(services.settings.http, service.auth.tenant)
                user = await service.create(args.email, args.name or args.email, args.role,
                                            base_url=link_base)
            print(f"invited {user.email} (the invite link was mailed)", file=sys.stderr)
            return 0
        created = await ensure_user(services, args.tenant, args.email, args.name or args.email,
                                    args.role, password)
    print(f"{'created' if created else 'updated'} {args.email}", file=sys.stderr)
    return 0


# --- ingest nodes --------------------------------------------------------------------------

async def ingest_add(args: argparse.Namespace) -> int:
    from argus.platform.ingest.nodes import NodeSpec, register_node

    async with _services() as services, services.dbs.control_session() as session:
        secret = await register_node(session, args.node, NodeSpec(
            rtmp_url=args.rtmp_url, hls_url=args.hls_url, capacity=args.capacity))
    print(secret)
    return 0


async def ingest_set_state(args: argparse.Namespace) -> int:
    from argus.platform.core.errors import NotFound
    from argus.platform.ingest.placement import set_state

    async with _services() as services, services.dbs.control_session() as session:
        try:
            node = await set_state(session, args.node, args.state)
        except NotFound as exc:
            raise CliError(exc.detail) from exc
    print(f"{node.id}: {node.state}", file=sys.stderr)
    return 0


def _node_secrets() -> tuple[list[str], str]:
    """``ARGUS_NODE_SECRET`` is ``new[,old]``: a node started with both proves itself with
    either and keeps the first (rotation); ``ARGUS_HLS_SECRET`` is every HLS secret the node
    accepts (platform/ingest/signing.py)."""
    from argus.platform.ingest.signing import secret_list

    node_secrets = secret_list(os.environ.get("ARGUS_NODE_SECRET", ""))
    hls_secret = os.environ.get("ARGUS_HLS_SECRET", "")
    if not node_secrets or not secret_list(hls_secret):
        raise CliError("set ARGUS_NODE_SECRET (printed by `ingest add`) and ARGUS_HLS_SECRET")
    return node_secrets, hls_secret


def _node_config(args: argparse.Namespace, node_secret: str, hls_secret: str):
    from pathlib import Path

    from argus.platform.ingest.config import NodeConfig

    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    return NodeConfig(node_id=args.node, node_secret=node_secret, hls_secret=hls_secret,
                      control_url=args.control_url, work_dir=work_dir,
                      rtmp_listen=args.rtmp_listen, http_listen=args.http_listen,
                      piece_minutes=args.piece_minutes, hls_fragment=args.hls_fragment)


async def _check_node(services: Services, node_id: str, node_secrets: list[str],
                      register: dict | None = None):
    """The node's row, with its secret verified (the first of ``node_secrets`` or, while it is
    being rotated, another one: the row then keeps the first); ``register`` creates a missing
    node with that secret (a node registering itself) or updates its URLs."""
    from argus.platform.identity.tokens import digest, same_digest
    from argus.platform.ingest.models import IngestNode

    async with services.dbs.control_session() as session:
        node = await session.get(IngestNode, node_id, with_for_update=True)
        if node is None and register is None:
            raise CliError(f"node {node_id!r} is not registered")
        if node is None:
            node = IngestNode(id=node_id, state="active", secret_hash=digest(node_secrets[0]),
                              **register)
            session.add(node)
        elif not any(same_digest(node.secret_hash, s) for s in node_secrets):
            raise CliError("ARGUS_NODE_SECRET is not this node's secret")
        elif not same_digest(node.secret_hash, node_secrets[0]):
            node.secret_hash = digest(node_secrets[0])
            print(f"node {node_id}: secret rotated (the first of ARGUS_NODE_SECRET)",
                  file=sys.stderr)
        if register:
            for key, value in register.items():
                setattr(node, key, value)
        await session.commit()
    return node


async def ingest_render_config(args: argparse.Namespace) -> int:
    """Needs ARGUS_NODE_SECRET (from ``ingest add``) and ARGUS_HLS_SECRET in the environment."""
    from pathlib import Path

    from argus.platform.ingest.config import write

    node_secrets, hls_secret = _node_secrets()
    async with _services() as services:
        await _check_node(services, args.node, node_secrets)
    try:
        path = write(_node_config(args, node_secrets[0], hls_secret), Path(args.out))
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(f"wrote {path}", file=sys.stderr)
    return 0


async def ingest_run(args: argparse.Namespace) -> int:
    """nginx plus the node agent, until SIGINT/SIGTERM. Registers the node if it is new."""
    from urllib.parse import urlsplit

    from argus.platform.ingest.config import local_address
    from argus.platform.ingest.node import NodeError, run_node

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", args.node):
        raise CliError("--node must be lowercase letters, digits and '-'")
    node_secrets, hls_secret = _node_secrets()
    try:
        cfg = _node_config(args, node_secrets[0], hls_secret)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    register = {"rtmp_url": args.rtmp_url or f"rtmp://{local_address(args.rtmp_listen)}",
                "hls_url": args.hls_url or f"http://{local_address(args.http_listen)}",
                "capacity": args.capacity}
    if not all(urlsplit(register[k]).hostname for k in ("rtmp_url", "hls_url")):
        raise CliError("--rtmp-url and --hls-url must be absolute URLs")
    async with _services() as services:
        await _check_node(services, args.node, node_secrets, register)
        try:
            return await run_node(services, services.stream_status, cfg)
        except (NodeError, ValueError) as exc:
            raise CliError(str(exc)) from exc


# --- provider keys -------------------------------------------------------------------------

async def provider_keys_create(args: argparse.Namespace) -> int:
    from argus.platform.provider.keys import create_key

    async with _services() as services:
        key = await create_key(services.dbs, args.name)
    print(key)
    return 0


async def provider_keys_list(args: argparse.Namespace) -> int:
    from argus.platform.provider.keys import list_keys

    async with _services() as services:
        rows = await list_keys(services.dbs)
    for row in rows:
        print(json.dumps({"prefix": row.prefix, "name": row.name,
                          "created_at": row.created_at.isoformat(),
                          "last_used_at": row.last_used_at and row.last_used_at.isoformat(),
                          "revoked_at": row.revoked_at and row.revoked_at.isoformat()}))
    return 0


async def provider_keys_revoke(args: argparse.Namespace) -> int:
    from argus.platform.provider.keys import revoke_key

    async with _services() as services:
        if not await revoke_key(services.dbs, args.prefix):
            raise CliError(f"no provider key with prefix {args.prefix!r}")
    print(f"revoked argus_pk_{args.prefix}_...", file=sys.stderr)
    return 0


# --- demo ----------------------------------------------------------------------------------

async def _demo_setup(settings: Settings, ports: tuple[int, int] | None,
                      node_secret: str) -> tuple[str, str | None]:
    from argus.platform.cli.demo import brand_demo_tenant, demo_camera
    from argus.platform.core.migrate import TenantTarget, migrate_all
    from argus.platform.provider.keys import create_key

    async with _services(settings) as services:
        await migrate_control(services)
        service = services.tenant_service
        targets = [TenantTarget(t.slug, t.db_cluster, t.schema)
                   for t in await service.all_targets() if t.state != "provisioning"]
        failed = [r for r in await migrate_all(settings, targets) if r.status == "failed"]
        for r in failed:
            print(f"warning: tenant {r.slug} did not migrate: {r.error}", file=sys.stderr)
        await service.put("demo", TenantSpec(name="Demo Security Co."))
        key = await create_key(services.dbs, "demo",
                               os.environ.get("ARGUS_DEMO_PROVIDER_KEY") or DEMO_PROVIDER_KEY)
        await ensure_user(services, "demo", DEMO_ADMIN_EMAIL, "Demo Admin", "admin",
                          demo_admin_password())
        # A second tenant with another brand: the same platform, white-labelled twice.
        await service.put("globex", TenantSpec(name="Globex Corporation"))
        await ensure_user(services, "globex", SECOND_ADMIN_EMAIL, "Globex Admin", "admin",
                          demo_admin_password())
        for slug in ("demo", "globex"):
            await brand_demo_tenant(services, slug)
        stream_key = await demo_camera(services, *ports, node_secret) if ports else None
    return key, stream_key


def demo_admin_password() -> str:
    return os.environ.get("ARGUS_DEMO_ADMIN_PASSWORD") or DEMO_ADMIN_PASSWORD


def demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from argus.platform.cli import demo as live_demo

    settings = _settings()
    streaming = not args.no_serve
    if streaming and not settings.ingest.hls_secret:
        raise CliError("ARGUS_HLS_SECRET is not set (scripts/run sets a dev one)")
    ports = (int(os.environ.get("ARGUS_DEMO_RTMP_PORT", "1935")),
             int(os.environ.get("ARGUS_DEMO_HLS_PORT", "8080")))
    node_secret = os.environ.get("ARGUS_NODE_SECRET") or live_demo.DEMO_NODE_SECRET
    key, stream_key = asyncio.run(_demo_setup(settings, ports if streaming else None,
                                              node_secret))
    base = settings.http.base_domain
    port = "" if args.port == 80 else f":{args.port}"
    tenant_url = f"http://demo.{base}{port}"
    worker_metrics, node_metrics = (listen if ":" in listen else f"127.0.0.1:{listen}"
                                    for listen in live_demo.metrics_listen().values())
    print(f"""
Argus is {'set up' if args.no_serve else 'running'}.

  Admin app (open in a browser)   {tenant_url}/
    sign in as {DEMO_ADMIN_EMAIL} / {demo_admin_password()}   (dev only)
  Second tenant, another brand    http://globex.{base}{port}/
    sign in as {SECOND_ADMIN_EMAIL} / {demo_admin_password()}

  Demo tenant API      {tenant_url}/api/v1/tenant
  Cameras              {tenant_url}/api/v1/cameras   (the synthetic camera is live within seconds)
  Live HLS URL         {tenant_url}/api/v1/streaming/hls/<camera id>   (a signed URL; play it
                       with ffplay, VLC or any HLS player)
  Provider API         http://{settings.http.provider_host}{port}/provider/v1/tenants
  OpenAPI (Swagger)    http://{settings.http.provider_host}{port}/schema/swagger
  Health               http://127.0.0.1{port}/readyz
  Metrics (Prometheus) http://127.0.0.1{port}/metrics   (control plane; from ARGUS_METRICS_ALLOW)
                       http://{worker_metrics}/metrics   (worker)
                       http://{node_metrics}/metrics   (ingest node)

  Demo admin (dev only): {DEMO_ADMIN_EMAIL} / {demo_admin_password()}
    curl -X POST -H 'Content-Type: application/json' {tenant_url}/api/v1/auth/login \\
      -d '{{"email": "{DEMO_ADMIN_EMAIL}", "password": "{demo_admin_password()}"}}'

  Provider key (dev only): {key}
    curl -H "Authorization: Bearer {key}" http://{settings.http.provider_host}{port}/provider/v1/tenants

  Ctrl-C stops everything.
""", flush=True)
    if not streaming:
        return 0
    work_dir = Path(os.environ.get("ARGUS_DEMO_WORK_DIR") or Path.cwd() / "var" / "demo-node")
    return live_demo.run(args, settings, stream_key, node_secret, *ports, work_dir)

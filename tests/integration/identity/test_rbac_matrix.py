"""Every tenant route × every role: allowed roles get 2xx, the others 403; each successful
mutating call leaves exactly one audit row, each refused one none.

The table below must name every route the app serves under ``/api/v1``: a new route fails
this test until it is added, with its request, so no route escapes the matrix.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from argus.billing.invoices import Invoice
from argus.platform.audit.models import AuditLog
from argus.platform.cameras.models import Camera
from argus.platform.core.db import utcnow
from argus.platform.core.permissions import ROLE_PERMISSIONS, SELF_SERVICE
from argus.platform.ingest.models import IngestNode
from argus.platform.recordings.models import Clip, Recording
from argus.tenants.models import TenantDomain
from tests.integration.conftest import (
    PASSWORD,
    bearer,
    fresh_ip,
    login,
    make_api_token,
    png_bytes,
)

PUBLIC = {
    "GET /api/v1/tenant", "POST /api/v1/auth/login", "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/password-reset", "POST /api/v1/auth/password-reset/confirm",
    "POST /api/v1/auth/invite/accept",
    "GET /api/v1/recordings/{recording_id:str}/file",  # its signature is the credential
    "GET /api/v1/clips/{clip_id:str}/file",
    "GET /api/v1/branding/logo", "GET /api/v1/branding/favicon",  # the sign-in page shows them
    # A share link's token is the credential.
    "GET /api/v1/shares/{token:str}/live", "GET /api/v1/shares/{token:str}/timeline",
    "GET /api/v1/shares/{token:str}/playback",
}


async def _fresh_user(ctx) -> str:
    response = await ctx["client"].post(
        "/api/v1/users", headers=bearer(ctx["tenant"], ctx["admin"]),
        json={"email": f"u{uuid.uuid4().hex[:8]}@x.example", "name": "Target",
              "role": "viewer"})
    return response.json()["id"]


async def _own_token(ctx) -> str:
    token = await make_api_token(ctx["client"], ctx["tenant"], ctx["caller_admin_view"],
                                 ["cameras:read"], user_id=ctx["caller_user_id"])
    return token["id"]


async def _user_path(ctx):
    return f"/api/v1/users/{await _fresh_user(ctx)}", None


async def _fresh_camera(ctx) -> str:
    response = await ctx["client"].post("/api/v1/cameras",
                                        headers=bearer(ctx["tenant"], ctx["admin"]),
                                        json={"name": "Matrix cam"})
    return response.json()["camera"]["id"]


async def _camera_path(ctx, suffix: str = "", body=None):
    return f"/api/v1/cameras/{await _fresh_camera(ctx)}{suffix}", body


async def _analytics_path(ctx):
    return f"/api/v1/analytics/cameras/{await _fresh_camera(ctx)}", None


async def _live_camera(ctx):
    """A camera the ingest side has reported online on a node."""
    camera_id = await _fresh_camera(ctx)
    services, tenant = ctx["state"], ctx["tenant"]
    maker = services.dbs.for_tenant(tenant)
    async with maker() as session:
        await session.execute(update(Camera).where(Camera.id == camera_id)
                              .values(status="online", ingest_node_id=ctx["node_id"]))
        await session.commit()
    return f"/api/v1/streaming/hls/{camera_id}", None


async def _recording(ctx) -> tuple[str, str]:
    """A ready recording (row and object) of a fresh camera: (camera id, recording id)."""
    camera_id = await _fresh_camera(ctx)
    services, tenant = ctx["state"], ctx["tenant"]
    row = await services.tenant_service.get(tenant.slug)
    recording = Recording(camera_id=camera_id, started_at=RECORDED, ended_at=RECORDED +
                          timedelta(minutes=1), duration_s=60.0, size_bytes=4,
                          object_key=f"recordings/m/{uuid.uuid4()}.mp4", source=str(uuid.uuid4()))
    await services.storage.put(row.bucket, recording.object_key, b"mp4!")
    async with services.dbs.tenant_session(tenant) as session:
        session.add(recording)
        await session.commit()
    return camera_id, recording.id


async def _recording_path(ctx, suffix: str = ""):
    _, recording_id = await _recording(ctx)
    return f"/api/v1/recordings/{recording_id}{suffix}", None


async def _playback_path(ctx):
    camera_id, _ = await _recording(ctx)
    at = (RECORDED + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
    return f"/api/v1/cameras/{camera_id}/playback?at={at}", None


async def _clip_request(ctx):
    camera_id, _ = await _recording(ctx)
    return f"/api/v1/cameras/{camera_id}/clips", {
        "from": "2026-11-01T12:00:10Z", "to": "2026-11-01T12:00:20Z"}


async def _clip_path(ctx):
    camera_id, _ = await _recording(ctx)
    clip = Clip(camera_id=camera_id, starts_at=RECORDED, ends_at=RECORDED +
                timedelta(seconds=10), state="pending")
    async with ctx["state"].dbs.tenant_session(ctx['tenant']) as session:
        session.add(clip)
        await session.commit()
    return f"/api/v1/clips/{clip.id}", None


RECORDED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TIMELINE = "?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z"

# "METHOD path-template" -> async builder(ctx) -> (path, json body)
CASES = {
    "GET /api/v1/streaming/hls/{camera_id:str}": _live_camera,
    "GET /api/v1/cameras": lambda ctx: _plain("/api/v1/cameras"),
    "POST /api/v1/cameras": lambda ctx: _plain("/api/v1/cameras", {"name": "New cam"}),
    "POST /api/v1/cameras/bulk": lambda ctx: _plain(
        "/api/v1/cameras/bulk", {"items": [{"op": "create", "camera": {"name": "Bulk cam"}}]}),
    "GET /api/v1/cameras/{camera_id:str}": lambda ctx: _camera_path(ctx),
    "PUT /api/v1/cameras/{camera_id:str}": lambda ctx: _camera_path(ctx, "", {"name": "Put"}),
    "PATCH /api/v1/cameras/{camera_id:str}": lambda ctx: _camera_path(ctx, "",
                                                                      {"record": True}),
    "DELETE /api/v1/cameras/{camera_id:str}": lambda ctx: _camera_path(ctx),
    "GET /api/v1/cameras/{camera_id:str}/status": lambda ctx: _camera_path(ctx, "/status"),
    "GET /api/v1/cameras/{camera_id:str}/thumbnail": lambda ctx: _thumbnail_path(ctx),
    "GET /api/v1/cameras/{camera_id:str}/timeline": lambda ctx: _camera_path(ctx, TIMELINE),
    "GET /api/v1/cameras/{camera_id:str}/playback": _playback_path,
    "GET /api/v1/recordings": lambda ctx: _plain("/api/v1/recordings"),
    "POST /api/v1/cameras/{camera_id:str}/clips": _clip_request,
    "GET /api/v1/clips/{clip_id:str}": _clip_path,
    "GET /api/v1/recordings/{recording_id:str}": _recording_path,
    "DELETE /api/v1/recordings/{recording_id:str}": _recording_path,
    "GET /api/v1/recordings/{recording_id:str}/download": lambda ctx: _recording_path(
        ctx, "/download"),
    "POST /api/v1/cameras/{camera_id:str}/stream-key": lambda ctx: _camera_path(
        ctx, "/stream-key"),
    "GET /api/v1/me": lambda ctx: _plain("/api/v1/me"),
    "POST /api/v1/me/password": lambda ctx: _plain(
        "/api/v1/me/password", {"current_password": PASSWORD, "new_password": PASSWORD}),
    "POST /api/v1/auth/logout": lambda ctx: _plain("/api/v1/auth/logout"),
    "GET /api/v1/users": lambda ctx: _plain("/api/v1/users"),
    "POST /api/v1/users": lambda ctx: _plain(
        "/api/v1/users", {"email": f"n{uuid.uuid4().hex[:8]}@x.example", "name": "N",
                          "role": "viewer"}),
    "GET /api/v1/users/{user_id:str}": _user_path,
    "PATCH /api/v1/users/{user_id:str}": lambda ctx: _with_body(_user_path(ctx),
                                                                 {"name": "Renamed"}),
    "DELETE /api/v1/users/{user_id:str}": _user_path,
    "GET /api/v1/api-tokens": lambda ctx: _plain("/api/v1/api-tokens"),
    "POST /api/v1/api-tokens": lambda ctx: _plain(
        "/api/v1/api-tokens", {"name": "matrix", "scopes": ["cameras:read"]}),
    "DELETE /api/v1/api-tokens/{token_id:str}": lambda ctx: _token_path(ctx),
    "GET /api/v1/audit-logs": lambda ctx: _plain("/api/v1/audit-logs"),
    "GET /api/v1/billing/plan": lambda ctx: _plain("/api/v1/billing/plan"),
    "GET /api/v1/billing/usage": lambda ctx: _plain("/api/v1/billing/usage"),
    "GET /api/v1/billing/invoices": lambda ctx: _plain("/api/v1/billing/invoices"),
    "GET /api/v1/webhooks": lambda ctx: _plain("/api/v1/webhooks"),
    "POST /api/v1/webhooks": lambda ctx: _plain("/api/v1/webhooks",
                                                {"url": "http://93.184.215.14/hook"}),
    "GET /api/v1/webhooks/{endpoint_id:str}": lambda ctx: _webhook_path(ctx),
    "PATCH /api/v1/webhooks/{endpoint_id:str}": lambda ctx: _with_body(
        _webhook_path(ctx), {"description": "matrix"}),
    "DELETE /api/v1/webhooks/{endpoint_id:str}": lambda ctx: _webhook_path(ctx),
    "POST /api/v1/webhooks/{endpoint_id:str}/rotate-secret": lambda ctx: _webhook_path(
        ctx, "/rotate-secret", {"grace_seconds": 0}),
    "POST /api/v1/webhooks/{endpoint_id:str}/test": lambda ctx: _webhook_path(ctx, "/test"),
    "POST /api/v1/webhooks/{endpoint_id:str}/recover": lambda ctx: _webhook_path(
        ctx, "/recover", {"since": "2026-01-01T00:00:00Z"}),
    "GET /api/v1/webhooks/{endpoint_id:str}/deliveries": lambda ctx: _webhook_path(
        ctx, "/deliveries"),
    "POST /api/v1/webhooks/{endpoint_id:str}/deliveries/{delivery_id:str}/resend":
        lambda ctx: _delivery_path(ctx),
    "GET /api/v1/billing/invoices/{invoice_id:str}": lambda ctx: _invoice_path(ctx),
    "GET /api/v1/notification-rules": lambda ctx: _plain("/api/v1/notification-rules"),
    "POST /api/v1/notification-rules": lambda ctx: _plain("/api/v1/notification-rules",
                                                          RULE),
    "GET /api/v1/notification-rules/{rule_id:str}": lambda ctx: _rule_path(ctx),
    "PATCH /api/v1/notification-rules/{rule_id:str}": lambda ctx: _with_body(
        _rule_path(ctx), {"debounce_seconds": 120}),
    "DELETE /api/v1/notification-rules/{rule_id:str}": lambda ctx: _rule_path(ctx),
    "GET /api/v1/incidents": lambda ctx: _plain("/api/v1/incidents"),
    "GET /api/v1/notifications": lambda ctx: _plain("/api/v1/notifications"),
    "GET /api/v1/analytics/dashboard": lambda ctx: _plain("/api/v1/analytics/dashboard"),
    "GET /api/v1/analytics/cameras/{camera_id:str}": lambda ctx: _analytics_path(ctx),
    "POST /api/v1/notifications/read": lambda ctx: _plain("/api/v1/notifications/read", {}),
    "GET /api/v1/settings/ip-allowlist": lambda ctx: _plain("/api/v1/settings/ip-allowlist"),
    "PUT /api/v1/settings/ip-allowlist": lambda ctx: _plain("/api/v1/settings/ip-allowlist",
                                                            {"ip_allowlist": []}),
    "GET /api/v1/settings/recording": lambda ctx: _plain("/api/v1/settings/recording"),
    "GET /api/v1/settings/role-grants": lambda ctx: _plain("/api/v1/settings/role-grants"),
    "PUT /api/v1/settings/role-grants": lambda ctx: _plain("/api/v1/settings/role-grants",
                                                           {"grants": {}}),
    "GET /api/v1/branding": lambda ctx: _plain("/api/v1/branding"),
    "PUT /api/v1/branding": lambda ctx: _plain("/api/v1/branding", {"product_name": "Acme"}),
    "PATCH /api/v1/branding": lambda ctx: _plain("/api/v1/branding",
                                                 {"accent_color": "#00aa55"}),
    "PUT /api/v1/settings/recording": lambda ctx: _plain("/api/v1/settings/recording",
                                                         {"retention_days": 60}),
    "PUT /api/v1/branding/logo": lambda ctx: _plain("/api/v1/branding/logo", png_bytes()),
    "PUT /api/v1/branding/favicon": lambda ctx: _plain("/api/v1/branding/favicon", png_bytes()),
    "DELETE /api/v1/branding/logo": lambda ctx: _plain("/api/v1/branding/logo"),
    "DELETE /api/v1/branding/favicon": lambda ctx: _plain("/api/v1/branding/favicon"),
    "GET /api/v1/domains": lambda ctx: _plain("/api/v1/domains"),
    "POST /api/v1/domains": lambda ctx: _plain("/api/v1/domains",
                                               {"domain": f"{uuid.uuid4().hex[:8]}.example.test"}),
    "GET /api/v1/domains/{domain:str}": lambda ctx: _domain_path(ctx),
    # A provider-set domain is verified already: no lookup leaves the machine.
    "POST /api/v1/domains/{domain:str}/verify": lambda ctx: _domain_path(ctx, "/verify"),
    "DELETE /api/v1/domains/{domain:str}": lambda ctx: _domain_path(ctx, tenant_added=True),
    "POST /api/v1/cameras/{camera_id:str}/shares": lambda ctx: _camera_path(
        ctx, "/shares", {"live_only": True}),
    "GET /api/v1/cameras/{camera_id:str}/shares": lambda ctx: _camera_path(ctx, "/shares"),
    "DELETE /api/v1/shares/{share_id:str}": lambda ctx: _share_path(ctx),
}


async def _share_path(ctx):
    camera_id = await _fresh_camera(ctx)
    response = await ctx["client"].post(f"/api/v1/cameras/{camera_id}/shares",
                                        headers=bearer(ctx["tenant"], ctx["admin"]), json={})
    return f"/api/v1/shares/{response.json()['share']['id']}", None


async def _domain_path(ctx, suffix: str = "", tenant_added: bool = False):
    domain = f"{uuid.uuid4().hex[:8]}.example.test"
    if tenant_added:
        await ctx["state"].domains.add(ctx["tenant"].id, domain)
    else:
        async with ctx["state"].dbs.control_session() as session:
            session.add(TenantDomain(domain=domain, tenant_id=ctx["tenant"].id,
                                     state="verified", source="provider"))
            await session.commit()
    return f"/api/v1/domains/{domain}{suffix}", None


async def _webhook_path(ctx, suffix: str = "", body=None):
    response = await ctx["client"].post("/api/v1/webhooks",
                                        headers=bearer(ctx["tenant"], ctx["admin"]),
                                        json={"url": "http://93.184.215.14/hook"})
    return f"/api/v1/webhooks/{response.json()['endpoint']['id']}{suffix}", body


RULE = {"name": "Offline", "event_type": "camera.offline", "channels": ["email"],
        "recipients": {"roles": ["admin"]}, "debounce_seconds": 60}


async def _rule_path(ctx):
    response = await ctx["client"].post("/api/v1/notification-rules",
                                        headers=bearer(ctx["tenant"], ctx["admin"]), json=RULE)
    return f"/api/v1/notification-rules/{response.json()['id']}", None


async def _delivery_path(ctx):
    path, _ = await _webhook_path(ctx)
    queued = await ctx["client"].post(f"{path}/test", headers=bearer(ctx["tenant"],
                                                                     ctx["admin"]))
    return f"{path}/deliveries/{queued.json()['id']}/resend", None


async def _invoice_path(ctx):
    """A voided invoice of the tenant's (tenants see finalized, paid and void ones)."""
    invoice = Invoice(tenant_id=ctx["tenant"].id, period="2026-10", open_period=None,
                      state="void", currency="USD", total=0, lines=[], voided_at=utcnow())
    async with ctx["state"].dbs.control_session() as session:
        session.add(invoice)
        await session.commit()
    return f"/api/v1/billing/invoices/{invoice.id}", None


async def _plain(path, body=None):
    return path, body


async def _with_body(pending, body):
    path, _ = await pending
    return path, body


async def _thumbnail_path(ctx):
    camera_id = await _fresh_camera(ctx)
    tenant = await ctx["state"].tenant_service.get(ctx["tenant"].slug)
    await ctx["state"].storage.put(tenant.bucket, f"thumbnails/{camera_id}.jpg",
                                      b"\xff\xd8\xff\xe0 not really a jpeg")
    return f"/api/v1/cameras/{camera_id}/thumbnail", None


async def _token_path(ctx):
    return f"/api/v1/api-tokens/{await _own_token(ctx)}", None


async def _node(services) -> str:
    node_id = f"ztnode{uuid.uuid4().hex[:8]}"
    async with services.dbs.control_session() as session:
        session.add(IngestNode(id=node_id, rtmp_url="rtmp://127.0.0.1:1935",
                               hls_url="http://127.0.0.1:8080", capacity=10, state="active",
                               secret_hash="0" * 64))
        await session.commit()
    return node_id


def tenant_routes(app) -> dict[str, dict]:
    routes = {}
    for route in app.routes:
        if not route.path.startswith("/api/v1"):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                routes[f"{method} {route.path}"] = handler.opt
    return routes


def test_every_websocket_route_declares_a_permission(identity_app):
    sockets = [r for r in identity_app.routes
               if r.path.startswith("/api/v1") and hasattr(r, "route_handler")]
    assert [r.path for r in sockets] == ["/api/v1/events"]
    for route in sockets:
        assert route.route_handler.opt.get("permission") == "cameras:read", route.path


def test_every_tenant_route_is_in_the_matrix(identity_app):
    routes = tenant_routes(identity_app)
    assert set(routes) == set(CASES) | PUBLIC, "add new routes to CASES (or PUBLIC)"
    for key, opt in routes.items():
        if key in PUBLIC:
            assert opt.get("public"), key
        else:
            assert not opt.get("public") and opt.get("permission"), key


async def _audit_count(services, tenant) -> int:
    maker = services.dbs.for_tenant(tenant)
    async with maker() as session:
        return await session.scalar(select(func.count()).select_from(AuditLog))


@pytest.mark.parametrize("caller", ["admin", "operator", "viewer", "api_only"])
async def test_role_by_route_matrix_and_one_audit_row_per_change(
        client_for, tenant_a, services, identity_app, caller):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    users = (await client.get("/api/v1/users", headers=bearer(tenant_a, admin))).json()["items"]
    user_ids = {u["role"]: u["id"] for u in users}
    permissions = ROLE_PERMISSIONS[caller]
    routes = tenant_routes(identity_app)
    node_id = await _node(services)
    failures = []
    for key, opt in sorted(routes.items()):
        if key in PUBLIC:
            continue
        method = key.split(" ", 1)[0]
        admin = (await login(client, tenant_a))["access_token"]  # /me/password revokes older
        if caller == "api_only":
            credential = (await make_api_token(client, tenant_a, admin, sorted(permissions),
                                               user_id=user_ids["api_only"]))["secret"]
            allowed = opt["permission"] != SELF_SERVICE and opt["permission"] in permissions
        else:
            credential = (await login(client, tenant_a, caller))["access_token"]
            allowed = opt["permission"] == SELF_SERVICE or opt["permission"] in permissions
        ctx = {"client": client, "tenant": tenant_a, "admin": admin, "state": services,
               "node_id": node_id,
               "caller_admin_view": admin, "caller_user_id": user_ids[caller]}
        path, body = await CASES[key](ctx)
        before = await _audit_count(services, tenant_a)
        payload = {"content": body} if isinstance(body, bytes) else {"json": body}
        response = await client.request(method, path, **payload,
                                        headers=bearer(tenant_a, credential))
        after = await _audit_count(services, tenant_a)
        expected_rows = 1 if (allowed and method != "GET") else 0
        ok_status = 200 <= response.status_code < 300 if allowed else response.status_code == 403
        if not ok_status or after - before != expected_rows:
            failures.append((key, caller, response.status_code, after - before,
                             response.text[:200]))
    assert failures == []


async def test_public_mutations_are_audited_once_and_failures_leave_no_row(
        client_for, tenant_a, services, identity_app):
    client = client_for(fresh_ip())
    host = {"Host": tenant_a.host}

    async def rows_added(coro) -> tuple[int, object]:
        before = await _audit_count(services, tenant_a)
        response = await coro
        return await _audit_count(services, tenant_a) - before, response

    added, tokens = await rows_added(client.post(
        "/api/v1/auth/login", headers=host,
        json={"email": tenant_a.emails["admin"], "password": PASSWORD}))
    assert added == 1
    tokens = tokens.json()
    added, _ = await rows_added(client.post("/api/v1/auth/login", headers=host, json={
        "email": tenant_a.emails["admin"], "password": "wrong-password-x"}))
    assert added == 1  # a failed sign-in is audited too
    added, _ = await rows_added(client.post("/api/v1/auth/refresh", headers=host,
                                            json={"refresh_token": tokens["refresh_token"]}))
    assert added == 1
    added, _ = await rows_added(client.post("/api/v1/auth/password-reset", headers=host,
                                            json={"email": tenant_a.emails["viewer"]}))
    assert added == 1

    admin = bearer(tenant_a, tokens["access_token"])
    added, response = await rows_added(client.post(
        "/api/v1/users", headers=admin,
        json={"email": tenant_a.emails["viewer"], "name": "Dup", "role": "viewer"}))
    assert response.status_code == 409 and added == 0
    me = (await client.get("/api/v1/me", headers=admin)).json()
    added, response = await rows_added(client.patch(f"/api/v1/users/{me['id']}", headers=admin,
                                                    json={"role": "viewer"}))
    assert response.status_code == 409 and added == 0
    added, response = await rows_added(client.post(
        "/api/v1/api-tokens", headers=admin, json={"name": "x", "scopes": ["nope"]}))
    assert response.status_code == 422 and added == 0

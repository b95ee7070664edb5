"""Custom domains: a token to publish, verification by DNS TXT (a real DNS server on
127.0.0.1) or by the well-known URL (a real HTTP server), states with reasons, one tenant per
domain, resolution only once verified, and the TLS "ask" endpoint."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from argus.platform.app import create_app, services_of_app
from argus.platform.core.settings import Settings
from argus.platform.services import CTX_KEY
from tests.conftest import settings_env
from tests.integration.conftest import bearer, login


@pytest.fixture
def well_known():
    """An HTTP server answering ``/.well-known/argus-challenge/<token>`` with ``served``."""
    served: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            token = self.path.rsplit("/", 1)[-1]
            body = served.get(self.headers.get("Host", ""), "")
            ok = self.path.startswith("/.well-known/argus-challenge/") and body == token
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(body.encode() if ok else b"nope")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], served
    server.shutdown()


@pytest.fixture
async def domain_app(control, tmp_root, dns_server, well_known):
    settings = Settings.from_env(settings_env(
        tmp_root, ARGUS_DNS_NAMESERVERS=dns_server.address,
        ARGUS_DOMAIN_CHECK_HTTP_PORT=str(well_known[0]), ARGUS_DOMAIN_CHECK_ALLOW_PRIVATE="1",
        ARGUS_DOMAIN_CHECK_TIMEOUT="2"))
    app = create_app(settings)
    yield app
    await services_of_app(app).close()


@pytest.fixture
def client(domain_app):
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=domain_app,
                                                           client=("127.0.0.1", 4000)),
                             base_url="http://testserver.local")


async def test_dns_verification_resolution_and_tls_ask(client, tenant_a, tenant_b, dns_server):
    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    domain = f"cams.{tenant_a.slug}.test"
    added = await client.post("/api/v1/domains", headers=admin, json={"domain": domain.upper()})
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["state"] == "pending" and body["domain"] == domain
    proof = body["verification"]
    assert proof["dns"] == {"type": "TXT", "name": f"_argus-challenge.{domain}",
                            "value": proof["token"]}
    again = await client.post("/api/v1/domains", headers=admin, json={"domain": domain})
    assert again.status_code == 200 and again.json()["verification"] == proof  # idempotent

    # Not verified yet: the domain serves nothing and no certificate may be issued.
    assert (await client.get("/api/v1/tenant", headers={"Host": domain})).status_code == 404
    assert (await client.get(f"/internal/tls/allowed?domain={domain}")).status_code == 404

    dns_server.records[(f"_argus-challenge.{domain}", "TXT")] = ["someone-else"]
    failed = (await client.post(f"/api/v1/domains/{domain}/verify", headers=admin)).json()
    assert failed["state"] == "failed" and "TXT" in failed["reason"]
    assert "other value" in failed["reason"]

    dns_server.records[(f"_argus-challenge.{domain}", "TXT")] = ["x", proof["token"]]
    verified = (await client.post(f"/api/v1/domains/{domain}/verify", headers=admin)).json()
    assert verified["state"] == "verified" and verified["reason"] is None
    profile = await client.get("/api/v1/tenant", headers={"Host": domain})
    assert profile.status_code == 200 and profile.json()["slug"] == tenant_a.slug
    assert (await client.get(f"/internal/tls/allowed?domain={domain}")).status_code == 200
    assert (await client.get("/internal/tls/allowed?domain=nope.test")).status_code == 404
    assert (await client.get("/internal/tls/allowed?domain=<x>")).status_code == 404

    # One tenant per domain: B cannot take it, nor see it.
    b_admin = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    taken = await client.post("/api/v1/domains", headers=b_admin, json={"domain": domain})
    assert taken.status_code == 409 and taken.json()["field"] == "domain"
    assert (await client.get(f"/api/v1/domains/{domain}", headers=b_admin)).status_code == 404
    assert (await client.delete(f"/api/v1/domains/{domain}", headers=b_admin)).status_code == 404
    assert (await client.get("/api/v1/domains", headers=b_admin)).json()["items"] == []
    # A's session does not work on B's host, nor on A's custom domain for B.
    assert (await client.get("/api/v1/domains", headers={
        **admin, "Host": tenant_b.host})).status_code == 401

    assert (await client.delete(f"/api/v1/domains/{domain}", headers=admin)).status_code == 204
    assert (await client.get("/api/v1/tenant", headers={"Host": domain})).status_code == 404


async def test_http_verification_and_refusals(client, tenant_a, dns_server, well_known):
    _, served = well_known
    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    domain = f"www.{tenant_a.slug}.test"
    token = (await client.post("/api/v1/domains", headers=admin,
                               json={"domain": domain})).json()["verification"]["token"]
    no_address = (await client.post(f"/api/v1/domains/{domain}/verify", headers=admin)).json()
    assert no_address["state"] == "failed" and "no A record" in no_address["reason"]

    dns_server.records[(domain, "A")] = ["127.0.0.1"]
    wrong = (await client.post(f"/api/v1/domains/{domain}/verify", headers=admin)).json()
    assert wrong["state"] == "failed" and "answered 404" in wrong["reason"]
    served[domain] = token
    ok = (await client.post(f"/api/v1/domains/{domain}/verify", headers=admin)).json()
    assert ok["state"] == "verified"

    for bad, status in (({"domain": "not a domain"}, 422), ({"domain": 5}, 422), ({}, 422),
                        ({"domain": f"{tenant_a.slug}.localhost"}, 422)):
        refused = await client.post("/api/v1/domains", headers=admin, json=bad)
        assert refused.status_code == status and refused.json()["field"] == "domain", bad
    viewer = bearer(tenant_a, (await login(client, tenant_a, "viewer"))["access_token"])
    assert (await client.post("/api/v1/domains", headers=viewer,
                              json={"domain": "v.example.test"})).status_code == 403


async def test_private_addresses_are_not_fetched_by_default(control, tmp_root, dns_server):
    from argus.branding.domains import DomainChecker, DomainCheckFailed
    from argus.platform.core.settings import DomainSettings

    dns_server.records[("internal.example.test", "A")] = ["10.0.0.5"]
    checker = DomainChecker(DomainSettings(nameservers=(dns_server.address,), timeout=2))
    with pytest.raises(DomainCheckFailed, match="non-public"):
        await checker.check_http("internal.example.test", "token")


async def test_pending_domains_are_rechecked_then_given_up(client, domain_app, tenant_a,
                                                          dns_server):
    from datetime import timedelta

    from sqlalchemy import update

    from argus.branding.jobs import verify_pending_domains
    from argus.platform.core.db import utcnow
    from argus.tenants.models import TenantDomain

    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    names = [f"{n}.{tenant_a.slug}.test" for n in ("soon", "never", "old")]
    tokens = {}
    for name in names:
        tokens[name] = (await client.post("/api/v1/domains", headers=admin, json={
            "domain": name})).json()["verification"]["token"]
    dns_server.records[(f"_argus-challenge.{names[0]}", "TXT")] = [tokens[names[0]]]
    services = services_of_app(domain_app)
    async with services.dbs.control_session() as session:
        await session.execute(update(TenantDomain).where(TenantDomain.domain == names[2])
                              .values(created_at=utcnow() - timedelta(hours=73)))
        await session.commit()

    counts = await verify_pending_domains({CTX_KEY: services})
    assert counts["verified"] >= 1 and counts["failed"] >= 1
    states = {d["domain"]: d for d in (await client.get("/api/v1/domains",
                                                        headers=admin)).json()["items"]}
    assert states[names[0]]["state"] == "verified"
    assert states[names[1]]["state"] == "pending" and "TXT" in states[names[1]]["reason"]
    assert states[names[2]]["state"] == "failed" and "72 hours" in states[names[2]]["reason"]
    assert (await client.get("/api/v1/tenant", headers={"Host": names[0]})).status_code == 200


async def test_a_pending_or_failed_claim_blocks_nobody_and_the_first_proof_wins(
        client, tenant_a, tenant_b, dns_server):
    """A claims a domain and never proves it (a squatter, or a typo): B can still claim it;
    B's proof of control wins and A's stale claim is dropped; A cannot verify it afterwards."""
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    b = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    domain = f"shared.{tenant_b.slug}.test"
    a_claim = (await client.post("/api/v1/domains", headers=a, json={"domain": domain})).json()
    failed = (await client.post(f"/api/v1/domains/{domain}/verify", headers=a)).json()
    assert failed["state"] == "failed"
    b_claim = await client.post("/api/v1/domains", headers=b, json={"domain": domain})
    assert b_claim.status_code == 201, b_claim.text
    proof = b_claim.json()["verification"]["token"]
    assert proof != a_claim["verification"]["token"]
    dns_server.records[(f"_argus-challenge.{domain}", "TXT")] = [proof]
    verified = (await client.post(f"/api/v1/domains/{domain}/verify", headers=b)).json()
    assert verified["state"] == "verified", verified
    profile = await client.get("/api/v1/tenant", headers={"Host": domain})
    assert profile.status_code == 200 and profile.json()["slug"] == tenant_b.slug
    # A's claim is gone; claiming again is refused while B holds it.
    assert (await client.get(f"/api/v1/domains/{domain}", headers=a)).status_code == 404
    again = await client.post("/api/v1/domains", headers=a, json={"domain": domain})
    assert again.status_code == 409 and again.json()["code"] == "domain_taken"

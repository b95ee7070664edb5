"""Every absolute URL Argus hands out names the tenant's canonical host, never the request's Host
header; a Host that is not a host name is a 400 before tenant resolution."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest

from argus.platform.app import create_app, services_of_app
from argus.platform.core.forwarded import valid_host
from argus.tenants.service import TenantSpec
from tests.conftest import settings_env
from tests.integration.conftest import bearer, login
from tests.integration.recordings.test_recordings_api import _record

HOSTILE = ["acme.localhost:@evil.example", "acme.localhost:80:81", "acme localhost",
           "user@acme.localhost", "acme.localhost/evil", "acme.localhost\t", "[::1]x",
           "acme.localhost:99999x", ""]


@pytest.mark.parametrize("host", HOSTILE[:-1])
def test_invalid_hosts_are_not_host_names(host):
    assert not valid_host(host)


@pytest.mark.parametrize("host", ["acme.localhost", "acme.localhost:8000", "ACME.localhost.",
                                  "127.0.0.1:8000", "[::1]:8000", "cams.example.com"])
def test_valid_hosts_are_host_names(host):
    assert valid_host(host)


async def test_hostile_host_is_400_before_tenant_resolution(client_for, identity_app,
                                                             tenant_a):
    client = client_for()
    sent = len(services_of_app(identity_app).mailer.outbox)
    for host in HOSTILE[:-2]:
        host = host.replace("acme", tenant_a.slug)
        response = await client.post("/api/v1/auth/password-reset", headers={"Host": host},
                                     json={"email": tenant_a.emails["admin"]})
        assert response.status_code == 400, (host, response.text)
        # (Litestar refuses a Host with a space itself, as "bad_request")
        assert response.json()["code"] in ("bad_host", "bad_request"), response.text
    assert len(services_of_app(identity_app).mailer.outbox) == sent  # no link was mailed anywhere


async def test_links_use_the_canonical_host_whatever_the_host_header(control, tenant_a,
                                                                      tmp_root):
    """A reset mail, a share link and a download URL built on a request to ``<slug>.localhost
    :666`` all point at the tenant's primary custom domain, with the public scheme and port."""
    settings = type(control).from_env(settings_env(
        tmp_root, ARGUS_PUBLIC_SCHEME="https", ARGUS_PUBLIC_PORT="8443"))
    app = create_app(settings)
    services = services_of_app(app)
    try:
        await services.tenant_service.put(tenant_a.slug, TenantSpec(
            domains=[f"cams.{tenant_a.slug}.example"]))
        canonical = f"https://cams.{tenant_a.slug}.example:8443"
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t.local") as client:
            odd = {"Host": f"{tenant_a.slug}.localhost:666"}
            reset = await client.post("/api/v1/auth/password-reset", headers=odd,
                                      json={"email": tenant_a.emails["admin"]})
            assert reset.status_code == 202, reset.text
            mail = services.mailer.outbox[-1]
            assert f"{canonical}/reset#token=" in mail.body, mail.body
            assert "localhost:666" not in mail.body

            token = (await login(client, tenant_a))["access_token"]
            headers = {**bearer(tenant_a, token), **odd}
            camera = (await client.post("/api/v1/cameras", headers=headers,
                                        json={"name": "Door"})).json()["camera"]
            share = (await client.post(f"/api/v1/cameras/{camera['id']}/shares",
                                       headers=headers, json={})).json()
            assert share["url"].startswith(f"{canonical}/v/"), share
            assert f'src="{canonical}/embed/' in share["embed_html"]

            recording = await _record(services, tenant_a, camera["id"],
                                      datetime(2026, 11, 10, 8, tzinfo=UTC), 60)
            got = await client.get(f"/api/v1/recordings/{recording.id}/download",
                                   headers=headers)
            assert got.status_code == 200, got.text
            url = got.json()["url"]
            assert url.startswith(f"{canonical}/api/v1/recordings/"), url
            assert urlsplit(url).netloc == f"cams.{tenant_a.slug}.example:8443"
    finally:
        await services.close()

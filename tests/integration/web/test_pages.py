"""Pages over HTTP (the browser tests are in tests/e2e/test_web_ui.py): sign-in redirect,
brand on every page, names escaped, CSP without inline scripts, permission-gated pages."""

from __future__ import annotations

import re

from tests.integration.conftest import PASSWORD, bearer, login

XSS = "<img src=x onerror=alert(1)>"


async def cookie_login(client, tenant, role="admin") -> str:
    response = await client.post("/api/v1/auth/login", headers={"Host": tenant.host}, json={
        "email": tenant.emails[role], "password": PASSWORD, "cookie": True})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


async def test_pages_need_a_session_and_show_the_brand(client_for, tenant_a, tenant_b):
    client = client_for()
    host = {"Host": tenant_a.host}
    away = await client.get("/cameras?q=x", headers=host)
    assert away.status_code == 303 and away.headers["location"] == "/login?next=/cameras?q=x"
    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    await client.patch("/api/v1/branding", headers=admin, json={
        "product_name": f"Acme {XSS}", "primary_color": "#0b3d91"})
    signin = await client.get("/login", headers=host)
    assert signin.status_code == 200
    html = signin.text
    assert "Acme &lt;img src=x onerror=alert(1)&gt;" in html and XSS not in html
    assert "script-src 'self'" in signin.headers["content-security-policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline scripts"
    theme = await client.get("/theme.css", headers=host)
    assert "--brand-primary:#0b3d91;" in theme.text and theme.headers["content-type"].startswith(
        "text/css")
    other = await client.get("/theme.css", headers={"Host": tenant_b.host})
    assert "--brand-primary:#1f4e79;" in other.text
    unknown = await client.get("/login", headers={"Host": "nobody.localhost"})
    assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
    vendor = await client.get("/vendor/hls/hls.min.js", headers=host)
    assert vendor.status_code == 200 and len(vendor.content) > 100_000


async def test_dashboard_and_cameras_escape_names_and_respect_roles(client_for, tenant_a):
    client = client_for()
    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    await client.patch("/api/v1/branding", headers=admin, json={"product_name": "Acme Cams"})
    created = await client.post("/api/v1/cameras", headers=admin,
                                json={"name": XSS, "location": "x" * 60})
    camera_id = created.json()["camera"]["id"]
    host = {"Host": tenant_a.host}
    await cookie_login(client, tenant_a)
    for path in ("/", "/cameras", f"/cameras/{camera_id}", f"/cameras/{camera_id}/recordings",
                 "/users", "/tokens", "/audit", "/settings", "/webhooks", "/notifications"):
        page = await client.get(path, headers=host)
        assert page.status_code == 200, (path, page.text[:300])
        assert XSS not in page.text, path
    mistyped = await client.get(f"/cameras/{camera_id}/recordings?day=2026-13-45", headers=host)
    assert mistyped.status_code == 200  # a mistyped day shows today
    dashboard = (await client.get("/", headers=host)).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in dashboard and 'href="/users"' in dashboard

    viewer_client = client_for()
    await cookie_login(viewer_client, tenant_a, "viewer")
    view = (await viewer_client.get(f"/cameras/{camera_id}", headers=host)).text
    assert "data-admin" not in view and "rotate-key" not in view and "camera-edit" not in view
    inbox = (await viewer_client.get("/notifications", headers=host)).text
    assert "data-list=\"inbox\"" in inbox and "rule-create" not in inbox  # rules: admins
    for path in ("/users", "/audit", "/settings", "/webhooks"):
        refused = await viewer_client.get(path, headers=host)
        assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
        assert "Acme Cams" in refused.text  # error pages wear the tenant's brand
    other = await viewer_client.get("/cameras/00000000-0000-0000-0000-000000000000",
                                    headers=host)
    assert other.status_code == 404 and "Acme Cams" in other.text


async def test_an_unknown_page_is_the_branded_404_page_and_the_api_stays_json(client_for,
                                                                              tenant_a):
    client = client_for()
    admin = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    await client.patch("/api/v1/branding", headers=admin, json={"product_name": "Lookout 404"})
    for path in ("/recordings", "/no/such/page"):
        page = await client.get(path, headers={"Host": tenant_a.host, "Accept": "text/html"})
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert "Lookout 404" in page.text and "Not found" in page.text
    api = await client.get("/api/v1/no-such-route", headers=admin)
    assert api.status_code == 404 and api.json()["code"] == "not_found"

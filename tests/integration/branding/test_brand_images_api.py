"""Logo and favicon uploads: raw body or multipart (with the CSRF header from a browser
session), sanitized SVG, public read with a script-forbidding CSP, per-tenant isolation."""

from __future__ import annotations

from tests.integration.conftest import PASSWORD, bearer, login, png_bytes
from tests.unit.test_brand_images import EVIL_SVG


async def test_logo_upload_read_replace_and_reset(client_for, tenant_a, tenant_b, services):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    headers = bearer(tenant_a, admin)
    default = await client.get("/api/v1/branding/logo", headers={"Host": tenant_a.host})
    assert default.status_code == 200 and default.headers["content-type"] == "image/svg+xml"

    logo = png_bytes(color="#00aa00")
    uploaded = await client.put("/api/v1/branding/logo", headers=headers, content=logo)
    assert uploaded.status_code == 200, uploaded.text
    url = uploaded.json()["logo_url"]
    assert url.startswith("/api/v1/branding/logo?v=") and "logo" in uploaded.json()["customized"]
    served = await client.get(url, headers={"Host": tenant_a.host})
    assert served.content == logo and served.headers["content-type"] == "image/png"
    assert "script" not in served.headers["content-security-policy"]
    assert "immutable" in served.headers["cache-control"]
    # B's host still shows the default: A's logo is A's.
    other = await client.get("/api/v1/branding/logo", headers={"Host": tenant_b.host})
    assert other.headers["content-type"] == "image/svg+xml"

    # Settings replaced with PUT keep the logo; a new logo replaces the old object.
    await client.put("/api/v1/branding", headers=headers, json={"product_name": "Acme"})
    first_key = f"branding/logo-{url.split('=')[1]}.png"
    assert await services.storage.get(f"argus-t-{tenant_a.slug}", first_key) == logo
    svg = (await client.put("/api/v1/branding/logo", headers=headers, content=EVIL_SVG)).json()
    served = await client.get(svg["logo_url"], headers={"Host": tenant_a.host})
    assert served.headers["content-type"] == "image/svg+xml"
    assert b"script" not in served.content and b"evil.example" not in served.content
    assert first_key not in await services.storage.list_keys(f"argus-t-{tenant_a.slug}",
                                                             "branding/")

    # An object lost from the bucket shows the default image, not an error.
    svg_key = f"branding/logo-{svg['logo_url'].split('=')[1]}.svg"
    await services.storage.delete(f"argus-t-{tenant_a.slug}", svg_key)
    lost = await client.get(svg["logo_url"], headers={"Host": tenant_a.host})
    assert lost.status_code == 200 and b"Argus" in lost.content
    await client.put("/api/v1/branding/logo", headers=headers, content=EVIL_SVG)

    refused = await client.put("/api/v1/branding/logo", headers=headers,
                               content=b"<html><script>alert(1)</script>")
    assert refused.status_code == 422 and refused.json()["field"] == "file"
    assert (await client.delete("/api/v1/branding/logo", headers=headers)).json()[
        "logo_url"].endswith("v=default")
    assert await services.storage.list_keys(f"argus-t-{tenant_a.slug}", "branding/") == []


async def test_browser_upload_is_multipart_with_the_csrf_header(client_for, tenant_a):
    client = client_for()
    host = {"Host": tenant_a.host}
    session = await client.post("/api/v1/auth/login", headers=host, json={
        "email": tenant_a.emails["admin"], "password": PASSWORD, "cookie": True})
    csrf = session.json()["csrf_token"]
    files = {"file": ("fav.png", png_bytes(), "image/png")}
    without = await client.put("/api/v1/branding/favicon", headers=host, files=files)
    assert without.status_code == 403
    with_header = await client.put("/api/v1/branding/favicon", files=files,
                                   headers={**host, "X-CSRF-Token": csrf})
    assert with_header.status_code == 200, with_header.text
    assert "favicon" in with_header.json()["customized"]
    wrong_field = await client.put("/api/v1/branding/favicon", headers={
        **host, "X-CSRF-Token": csrf}, files={"image": ("x.png", png_bytes(), "image/png")})
    assert wrong_field.status_code == 422 and wrong_field.json()["field"] == "file"

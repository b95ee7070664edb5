"""The brand API: defaults until set, validation that names the field (WCAG AA contrast, hex
colours only), plan rules, PUT versus PATCH, and one tenant's brand invisible to another."""

from __future__ import annotations

from argus.platform.app import services_of_app
from tests.integration.conftest import bearer, login


async def test_brand_defaults_changes_and_refusals(client_for, tenant_a, tenant_b,
                                                   identity_app):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    headers = bearer(tenant_a, admin)
    brand = (await client.get("/api/v1/branding", headers=headers)).json()
    assert brand["product_name"] == "Argus" and brand["customized"] == []

    changed = await client.patch("/api/v1/branding", headers=headers, json={
        "product_name": "<img src=x onerror=alert(1)> Cams", "primary_color": "#0B3D91",
        "theme": "dark", "support_email": "help@acme.example"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["product_name"] == "<img src=x onerror=alert(1)> Cams"  # text; pages escape it
    assert body["primary_color"] == "#0b3d91" and body["theme"] == "dark"
    assert body["customized"] == ["primary_color", "product_name", "support_email", "theme"]
    public = (await client.get("/api/v1/tenant", headers={"Host": tenant_a.host})).json()
    assert public["product_name"] == "<img src=x onerror=alert(1)> Cams"

    for patch, field, status in (
            ({"primary_color": "#f2c200"}, "primary_color", 422),  # white text: 1.7:1
            ({"accent_color": "red; background:url(x)"}, "accent_color", 422),
            ({"theme": "neon"}, "theme", 422),
            ({"support_url": "javascript:alert(1)"}, "support_url", 422),
            ({"logo": "x"}, "logo", 422),
            ({"powered_by": False}, "powered_by", 402)):
        refused = await client.patch("/api/v1/branding", headers=headers, json=patch)
        assert refused.status_code == status, (patch, refused.text)
        if field:
            assert refused.json()["field"] == field
    assert "4.5:1" in (await client.patch("/api/v1/branding", headers=headers,
                                          json={"primary_color": "#f2c200"})).json()["detail"]
    # A dark text colour makes the light primary acceptable.
    assert (await client.patch("/api/v1/branding", headers=headers, json={
        "primary_color": "#f2c200", "primary_text_color": "#111111"})).status_code == 200

    # The plan decides about the "powered by" line.
    await services_of_app(identity_app).tenant_service.update(tenant_a.slug, plan="professional")
    assert (await client.patch("/api/v1/branding", headers=headers,
                               json={"powered_by": False})).json()["powered_by"] is False

    # PUT replaces: what it does not name goes back to the defaults.
    replaced = (await client.put("/api/v1/branding", headers=headers,
                                 json={"product_name": "Acme Cams"})).json()
    assert replaced["customized"] == ["product_name"] and replaced["theme"] == "auto"
    assert replaced["primary_color"] == "#1f4e79" and replaced["powered_by"] is True

    b_admin = (await login(client, tenant_b))["access_token"]
    other = (await client.get("/api/v1/branding", headers=bearer(tenant_b, b_admin))).json()
    assert other["product_name"] == "Argus" and other["customized"] == []
    viewer = (await login(client, tenant_a, "viewer"))["access_token"]
    assert (await client.patch("/api/v1/branding", headers=bearer(tenant_a, viewer),
                               json={"theme": "light"})).status_code == 403


async def test_invites_and_resets_are_mailed_in_the_brand(client_for, tenant_a, identity_app):
    client = client_for()
    headers = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    await client.patch("/api/v1/branding", headers=headers, json={
        "product_name": "Acme Cams", "email_sender_name": "Acme Security",
        "support_email": "help@acme.example"})
    outbox = services_of_app(identity_app).mailer.outbox
    email = f"new-{tenant_a.slug}@x.example"
    created = await client.post("/api/v1/users", headers=headers,
                                json={"email": email, "name": "New", "role": "viewer"})
    assert created.status_code == 201, created.text
    invite = next(m for m in reversed(outbox) if m.to == email)
    assert invite.subject == "You are invited to Acme Cams"
    assert invite.sender_name == "Acme Security"
    assert invite.body.endswith("— Acme Cams\nHelp: help@acme.example")
    await client.post("/api/v1/auth/password-reset", headers={"Host": tenant_a.host},
                      json={"email": tenant_a.emails["operator"]})
    reset = next(m for m in reversed(outbox) if m.to == tenant_a.emails["operator"])
    assert reset.subject == "Reset your Acme Cams password" and "/reset#token=" in reset.body

"""Users: invites and resets by mailed one-time links, the last admin, isolation by tenant."""

from __future__ import annotations

import re

from argus.platform.app import services_of_app
from tests.integration.conftest import PASSWORD, bearer, fresh_ip, login


def _link_token(mailer, to: str) -> str:
    mail = next(m for m in reversed(mailer.outbox) if m.to == to)
    return re.search(r"#token=(\S+)", mail.body).group(1)


async def test_invite_link_lets_the_user_choose_a_password_once(admin_session, identity_app):
    client, tenant, admin = admin_session
    email = f"new@{tenant.slug}.example"
    created = await client.post("/api/v1/users", headers=bearer(tenant, admin),
                                json={"email": email.upper(), "name": "New", "role": "viewer"})
    assert created.status_code == 201 and created.json()["state"] == "invited"
    assert created.json()["email"] == email  # e-mails are case-insensitive
    token = _link_token(services_of_app(identity_app).mailer, email)
    outbox = services_of_app(identity_app).mailer.outbox
    assert f"http://{tenant.host}/invite#token=" in outbox[-1].body

    host = {"Host": tenant.host}
    weak = await client.post("/api/v1/auth/invite/accept", headers=host,
                             json={"token": token, "password": "short"})
    assert weak.status_code == 422 and weak.json()["field"] == "password"
    accepted = await client.post("/api/v1/auth/invite/accept", headers=host,
                                 json={"token": token, "password": "a-new-good-password"})
    assert accepted.status_code == 200 and accepted.json()["state"] == "active"
    again = await client.post("/api/v1/auth/invite/accept", headers=host,
                              json={"token": token, "password": "another-good-password"})
    assert again.status_code == 422 and again.json()["field"] == "token"
    login_ok = await client.post("/api/v1/auth/login", headers=host,
                                 json={"email": email, "password": "a-new-good-password"})
    assert login_ok.status_code == 200

    duplicate = await client.post("/api/v1/users", headers=bearer(tenant, admin),
                                  json={"email": email, "name": "Dup", "role": "viewer"})
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "email"


async def test_password_reset_by_mail_ends_old_sessions(client_for, tenant_a, identity_app):
    client = client_for(fresh_ip())
    host = {"Host": tenant_a.host}
    session = await login(client, tenant_a, "viewer")
    for email in (tenant_a.emails["viewer"], "nobody@nowhere.example"):
        response = await client.post("/api/v1/auth/password-reset", headers=host,
                                     json={"email": email})
        assert response.status_code == 202  # same answer whether the account exists or not
    token = _link_token(services_of_app(identity_app).mailer, tenant_a.emails["viewer"])
    done = await client.post("/api/v1/auth/password-reset/confirm", headers=host,
                             json={"token": token, "new_password": "brand-new-password"})
    assert done.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(tenant_a, session["access_token"]))
            ).status_code == 401
    assert (await client.post("/api/v1/auth/login", headers=host,
                              json={"email": tenant_a.emails["viewer"], "password": PASSWORD})
            ).status_code == 401
    await login(client, tenant_a, "viewer", password="brand-new-password")


async def test_password_change_needs_the_current_password(client_for, tenant_a):
    client = client_for()
    tokens = await login(client, tenant_a, "operator")
    headers = bearer(tenant_a, tokens["access_token"])
    wrong = await client.post("/api/v1/me/password", headers=headers,
                              json={"current_password": "nope",
                                    "new_password": "operator-new-password"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    ok = await client.post("/api/v1/me/password", headers=headers,
                           json={"current_password": PASSWORD,
                                 "new_password": "operator-new-password"})
    assert ok.status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_the_last_active_admin_stays(admin_session):
    client, tenant, admin = admin_session
    me = (await client.get("/api/v1/me", headers=bearer(tenant, admin))).json()
    for body, field in (({"role": "viewer"}, "role"), ({"state": "disabled"}, "state")):
        response = await client.patch(f"/api/v1/users/{me['id']}",
                                      headers=bearer(tenant, admin), json=body)
        assert response.status_code == 409 and response.json()["field"] == field
    response = await client.delete(f"/api/v1/users/{me['id']}", headers=bearer(tenant, admin))
    assert response.status_code == 409
    # With a second admin, the first may step down, and loses admin rights at once.
    users = (await client.get("/api/v1/users", headers=bearer(tenant, admin))).json()["items"]
    viewer_id = next(u["id"] for u in users if u["role"] == "viewer")
    await client.patch(f"/api/v1/users/{viewer_id}", headers=bearer(tenant, admin),
                       json={"role": "admin"})
    stepped = await client.patch(f"/api/v1/users/{me['id']}", headers=bearer(tenant, admin),
                                 json={"role": "operator"})
    assert stepped.status_code == 200
    assert (await client.get("/api/v1/users", headers=bearer(tenant, admin))).status_code == 401


async def test_ids_of_another_tenant_are_404(client_for, tenant_a, tenant_b):
    client = client_for()
    admin_a = (await login(client, tenant_a))["access_token"]
    admin_b = (await login(client, tenant_b))["access_token"]
    b_users = (await client.get("/api/v1/users", headers=bearer(tenant_b, admin_b))
               ).json()["items"]
    b_user = b_users[0]["id"]
    for method, body in (("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None)):
        response = await client.request(method, f"/api/v1/users/{b_user}",
                                        headers=bearer(tenant_a, admin_a), json=body)
        assert response.status_code == 404, method
        assert b_users[0]["email"] not in response.text
    b_token = (await client.post("/api/v1/api-tokens", headers=bearer(tenant_b, admin_b),
                                 json={"name": "b", "scopes": ["users:read"]})).json()
    response = await client.delete(f"/api/v1/api-tokens/{b_token['id']}",
                                   headers=bearer(tenant_a, admin_a))
    assert response.status_code == 404
    listed = await client.get("/api/v1/users", headers=bearer(tenant_a, admin_a))
    assert all(u["email"].endswith(f"@{tenant_a.slug}.example") for u in listed.json()["items"])


async def test_password_reset_requests_are_budgeted(client_for, tenant_a, identity_app):
    client = client_for(fresh_ip())
    host = {"Host": tenant_a.host}
    email = tenant_a.emails["operator"]
    codes = [(await client.post("/api/v1/auth/password-reset", headers=host,
                                json={"email": email})).status_code for _ in range(4)]
    assert codes[:3] == [202, 202, 202] and codes[3] == 429
    mails = [m for m in services_of_app(identity_app).mailer.outbox if m.to == email]
    assert len(mails) == 3

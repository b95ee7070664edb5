"""Plans over the provider API and the CLI, a tenant's plan history, and the quotas where they
bite: camera count (create, enable, bulk), ABR, retention, custom domains, the publish
allowance after a downgrade; raising the plan lifts each at once."""

from __future__ import annotations

import json

from argus.billing.plans import plan_history
from argus.platform.cameras.models import Camera
from tests.conftest import new_slug, settings_env
from tests.integration.cli.test_tenants_cli import run
from tests.integration.conftest import bearer, login
from tests.integration.ingest.test_publish_callbacks import _call, _publish_body

PROVIDER = {"Host": "provider.localhost"}


def auth(key: str) -> dict[str, str]:
    return {**PROVIDER, "Authorization": f"Bearer {key}"}


async def _put_plan(client, key, name, **fields):
    return await client.put(f"/provider/v1/plans/{name}", json=fields, headers=auth(key))


async def test_plans_are_seeded_created_replaced_and_deleted(client, provider_key, tenant_a):
    assert (await client.get("/provider/v1/plans", headers=PROVIDER)).status_code == 401
    listed = (await client.get("/provider/v1/plans", headers=auth(provider_key))).json()
    names = [p["name"] for p in listed["items"]]
    assert {"trial", "standard", "professional", "enterprise"} <= set(names)
    standard = next(p for p in listed["items"] if p["name"] == "standard")
    assert standard["max_cameras"] == 100 and standard["currency"] == "USD"
    assert standard["price_per_camera_month"] == 500 and standard["tenants"] >= 1

    name = new_slug("plan")[:30]
    first = await _put_plan(client, provider_key, name, max_cameras=3, currency="EUR",
                            price_per_camera_month=450)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["max_cameras"] == 3 and body["abr_allowed"] is True and body["tenants"] == 0
    assert body["max_height"] is None  # absent limits: unlimited
    again = await _put_plan(client, provider_key, name, max_cameras=3, currency="EUR",
                            price_per_camera_month=450)
    assert again.status_code == 200 and again.json() == body  # nothing changed, not even times
    replaced = (await _put_plan(client, provider_key, name, max_cameras=4)).json()
    assert replaced["currency"] == "USD" and replaced["price_per_camera_month"] == 0  # PUT
    assert (await client.get(f"/provider/v1/plans/{name}", headers=auth(provider_key))
            ).json()["max_cameras"] == 4

    for fields, field in (({"max_cameras": -1}, "max_cameras"), ({"currency": "euro"},
                                                                 "currency"),
                          ({"abr_allowed": "yes"}, "abr_allowed"), ({"colour": 1}, "colour")):
        refused = await _put_plan(client, provider_key, name, **fields)
        assert refused.status_code in (400, 422) and field in refused.text, refused.text
    bad_name = await _put_plan(client, provider_key, "Not A Name")
    assert bad_name.status_code == 422 and bad_name.json()["field"] == "name"

    # A plan a tenant is on cannot go; one nobody is on can.
    busy = await client.delete("/provider/v1/plans/standard", headers=auth(provider_key))
    assert busy.status_code == 409 and busy.json()["field"] == "name"
    assert (await client.delete(f"/provider/v1/plans/{name}",
                                headers=auth(provider_key))).status_code == 204
    assert (await client.get(f"/provider/v1/plans/{name}",
                             headers=auth(provider_key))).status_code == 404


async def test_a_tenant_moves_between_plans_and_its_history_is_kept(client, provider_key,
                                                                     tenant_a, services):
    unknown = await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={
        "plan": "platinum"}, headers=auth(provider_key))
    assert unknown.status_code == 422 and unknown.json()["field"] == "plan"
    assert "standard" in unknown.json()["detail"]
    for plan in ("professional", "professional", "standard"):
        moved = await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={
            "plan": plan}, headers=auth(provider_key))
        assert moved.json()["plan"] == plan
    async with services.dbs.control_session() as session:
        history = await plan_history(session, tenant_a.id)
    assert [h.plan for h in history] == ["standard", "professional", "standard"]
    assert history[0].effective_at <= history[1].effective_at <= history[2].effective_at


async def test_quotas_refuse_with_402_before_writing_and_a_raised_plan_lifts_them(
        client_for, tenant_a, provider_key, services):
    client = client_for()
    name = new_slug("tiny")[:30]
    await _put_plan(client, provider_key, name, max_cameras=1, abr_allowed=False,
                    max_retention_days=30, custom_domains=0)
    await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={"plan": name},
                       headers=auth(provider_key))
    admin = (await login(client, tenant_a))["access_token"]
    headers = bearer(tenant_a, admin)

    first = (await client.post("/api/v1/cameras", headers=headers, json={"name": "One"})).json()
    second = await client.post("/api/v1/cameras", headers=headers, json={"name": "Two"})
    assert second.status_code == 402
    assert second.json() == {
        "status_code": 402, "code": "quota_exceeded", "field": "enabled", "plan": name,
        "limit": 1, "used": 2, "detail": f"the {name!r} plan allows 1 enabled cameras; "
                                         "this would make 2"}
    async with services.dbs.tenant_session(tenant_a) as session:
        assert len((await session.scalars(Camera.__table__.select())).all()) == 1  # nothing
    # A disabled camera does not count; enabling it again does.
    off = await client.post("/api/v1/cameras", headers=headers,
                            json={"name": "Spare", "enabled": False})
    assert off.status_code == 201, off.text
    spare = off.json()["camera"]["id"]
    enable = await client.patch(f"/api/v1/cameras/{spare}", headers=headers,
                                json={"enabled": True})
    assert enable.status_code == 402 and enable.json()["field"] == "enabled"
    bulk = (await client.post("/api/v1/cameras/bulk", headers=headers, json={"items": [
        {"op": "create", "camera": {"name": "B1", "enabled": False}},
        {"op": "create", "camera": {"name": "B2"}},
        {"op": "enable", "id": spare}]})).json()
    assert [r["ok"] for r in bulk["results"]] == [True, False, False]
    assert bulk["results"][1]["status_code"] == 402 and bulk["results"][1]["limit"] == 1
    assert bulk["results"][1]["code"] == "quota_exceeded"

    for path, body, field in (
            (f"/api/v1/cameras/{first['camera']['id']}", {"abr": True}, "abr"),
            (f"/api/v1/cameras/{first['camera']['id']}", {"retention_days": 31},
             "retention_days")):
        refused = await client.patch(path, headers=headers, json=body)
        assert refused.status_code == 402 and refused.json()["field"] == field, refused.text
    domain = await client.post("/api/v1/domains", headers=headers,
                               json={"domain": f"cams.{tenant_a.slug}.example"})
    assert domain.status_code == 402 and domain.json()["field"] == "domain"
    assert domain.json()["limit"] == 0

    # Raising the plan lifts every limit at once (this process forgets its plan cache; other
    # replicas read plans at most 2 s old).
    await _put_plan(client, provider_key, name, max_cameras=3, abr_allowed=True,
                    max_retention_days=30, custom_domains=1)
    assert (await client.patch(f"/api/v1/cameras/{spare}", headers=headers,
                               json={"enabled": True})).status_code == 200
    assert (await client.patch(f"/api/v1/cameras/{first['camera']['id']}", headers=headers,
                               json={"abr": True})).status_code == 200
    assert (await client.post("/api/v1/domains", headers=headers, json={
        "domain": f"cams.{tenant_a.slug}.example"})).status_code == 201
    await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={"plan": "standard"},
                       headers=auth(provider_key))


async def test_after_a_downgrade_the_newest_cameras_over_the_limit_may_not_publish(
        client_for, tenant_a, provider_key, node, services):
    client = client_for()
    name = new_slug("down")[:30]
    await _put_plan(client, provider_key, name, max_cameras=2)
    await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={"plan": name},
                       headers=auth(provider_key))
    admin = (await login(client, tenant_a))["access_token"]
    cameras = []
    for label in ("Old", "New"):
        body = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin),
                                  json={"name": label})).json()
        cameras.append((body["camera"]["id"], body["ingest"]["stream_key"]))
    await _put_plan(client, provider_key, name, max_cameras=1)  # the downgrade

    (old_id, old_key), (new_id, new_key) = cameras
    hook = (await client.post("/api/v1/webhooks", headers=bearer(tenant_a, admin), json={
        "url": "http://93.184.215.14/hooks", "event_types": ["stream.refused",
                                                            "quota.exceeded"]})).json()
    assert (await _call(client, node, "publish", _publish_body(old_key))).status_code == 302
    for _ in range(2):  # a camera that retries is announced once
        refused = await _call(client, node, "publish", _publish_body(new_key))
        assert refused.status_code == 403 and refused.json()["code"] == "quota_exceeded"
    told = (await client.get(f"/api/v1/webhooks/{hook['endpoint']['id']}/deliveries",
                             headers=bearer(tenant_a, admin))).json()["items"]
    assert sorted(d["event_type"] for d in told) == ["quota.exceeded", "stream.refused"]
    refusal = json.loads(told[0]["body"])["data"]
    assert refusal["camera_id"] == new_id and refusal["reason"] == "quota_exceeded"
    assert "1 cameras" in refusal["detail"]
    shown = (await client.get(f"/api/v1/cameras/{new_id}", headers=bearer(tenant_a, admin))
             ).json()
    assert shown["status"] == "error" and shown["status_reason"] == "quota_exceeded"

    await _put_plan(client, provider_key, name, max_cameras=2)  # raised again
    assert (await _call(client, node, "publish", _publish_body(new_key))).status_code == 302
    await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={"plan": "standard"},
                       headers=auth(provider_key))


async def test_plans_from_the_command_line(tmp_root, control, tenant_a):
    env = settings_env(tmp_root)
    name = new_slug("cli")[:30]
    put = run(env, "plans", "put", name, "--set", "max_cameras=5", "--set", "currency=EUR",
              "--set", "max_height=null")
    assert json.loads(put.stdout)["max_cameras"] == 5 and "created" in put.stderr
    shown = json.loads(run(env, "plans", "show", name).stdout)
    assert shown["currency"] == "EUR" and shown["max_height"] is None
    assert name in [p["name"] for p in json.loads(run(env, "plans", "list", "--json").stdout)]
    assert name in run(env, "plans", "list").stdout
    bad = run(env, "plans", "put", name, "--set", "max_cameras=-2", check=False)
    assert bad.returncode != 0 and "max_cameras" in bad.stderr
    moved = run(env, "tenants", "set-plan", tenant_a.slug, name)
    assert json.loads(moved.stdout)["plan"] == name
    busy = run(env, "plans", "delete", name, check=False)
    assert busy.returncode != 0 and "move them first" in busy.stderr
    run(env, "tenants", "set-plan", tenant_a.slug, "standard")
    run(env, "plans", "delete", name)


async def test_the_plans_api_rate_limit_applies_unless_the_tenant_has_its_own(
        client_for, tenant_a, provider_key):
    client = client_for()
    name = new_slug("slow")[:30]
    await _put_plan(client, provider_key, name, api_rate_limit=3)
    await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={"plan": name},
                       headers=auth(provider_key))
    admin = (await login(client, tenant_a))["access_token"]
    codes = [(await client.get("/api/v1/cameras", headers=bearer(tenant_a, admin))).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={
        "plan": "standard", "api_rate_limit": 0}, headers=auth(provider_key))


async def test_admins_see_their_own_plan_beside_their_use_and_nobody_elses(
        client_for, tenant_a, tenant_b, provider_key):
    client = client_for()
    name = new_slug("seen")[:30]
    await _put_plan(client, provider_key, name, max_cameras=5, storage_included_gb=50,
                    clip_exports_per_month=9)
    await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={"plan": name},
                       headers=auth(provider_key))
    a = bearer(tenant_a, (await login(client, tenant_a))["access_token"])
    b = bearer(tenant_b, (await login(client, tenant_b))["access_token"])
    for label in ("One", "Two"):
        await client.post("/api/v1/cameras", headers=a, json={"name": label})
    mine = (await client.get("/api/v1/billing/plan", headers=a)).json()
    assert mine["plan"] == name and mine["limits"]["max_cameras"] == 5
    assert mine["use"]["cameras"] == {"used": 2, "limit": 5}
    assert mine["use"]["storage_gb"] == {"used": 0, "included": 50}
    assert mine["use"]["clip_exports_this_month"] == {"used": 0, "limit": 9}
    theirs = (await client.get("/api/v1/billing/plan", headers=b)).json()
    assert theirs["plan"] == "standard" and theirs["use"]["cameras"]["used"] == 0
    # A's credentials on B's host reach nothing; a viewer of A may not look.
    crossed = await client.get("/api/v1/billing/plan",
                               headers={**a, "Host": tenant_b.host})
    assert crossed.status_code == 401
    viewer = (await login(client, tenant_a, "viewer"))["access_token"]
    assert (await client.get("/api/v1/billing/plan", headers=bearer(tenant_a, viewer))
            ).status_code == 403
    await client.patch(f"/provider/v1/tenants/{tenant_a.slug}", json={"plan": "standard"},
                       headers=auth(provider_key))

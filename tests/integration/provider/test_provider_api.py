"""The provider API over HTTP: auth, host rules, idempotent PUT, lifecycle, pagination."""

from __future__ import annotations

from sqlalchemy import select

from argus.platform.provider.models import ProviderApiKey
from tests.conftest import new_slug
from tests.helpers import schema_exists

PROVIDER = {"Host": "provider.localhost"}


def auth(key: str) -> dict[str, str]:
    return {**PROVIDER, "Authorization": f"Bearer {key}"}


async def test_without_or_with_a_wrong_key_is_401(client, provider_key):
    response = await client.get("/provider/v1/tenants", headers=PROVIDER)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    wrong = provider_key[:-4] + ("AAAA" if not provider_key.endswith("AAAA") else "BBBB")
    for key in (wrong, "argus_pk_nonsense", "x" * 80):
        response = await client.get("/provider/v1/tenants", headers=auth(key))
        assert response.status_code == 401, key
    assert (await client.get("/provider/v1/tenants", headers=auth(provider_key))).status_code == 200


async def test_a_tenant_host_cannot_reach_the_provider_api(client, provider_key):
    slug = new_slug()
    await client.put(f"/provider/v1/tenants/{slug}", json={"name": "A"}, headers=auth(provider_key))
    for host in (f"{slug}.localhost", "unknown.localhost", "localhost"):
        response = await client.get("/provider/v1/tenants",
                                    headers={"Host": host,
                                             "Authorization": f"Bearer {provider_key}"})
        assert response.status_code == 404, host


async def test_put_twice_is_201_then_200_with_identical_body(client, provider_key):
    slug = new_slug()
    body = {"name": "Acme Security", "plan": "professional", "domains": ["cams.acme-test.example"]}
    first = await client.put(f"/provider/v1/tenants/{slug}", json=body, headers=auth(provider_key))
    assert first.status_code == 201, first.text
    second = await client.put(f"/provider/v1/tenants/{slug}", json=body,
                              headers=auth(provider_key))
    assert second.status_code == 200
    assert second.json() == first.json()
    data = first.json()
    assert data["slug"] == slug and data["state"] == "active" and data["plan"] == "professional"
    assert data["domains"] == ["cams.acme-test.example"]
    assert set(data) >= {"created_at", "updated_at", "name", "db_cluster"}

    changed = await client.put(f"/provider/v1/tenants/{slug}", json={**body, "name": "Acme 2"},
                               headers=auth(provider_key))
    assert changed.status_code == 200
    assert changed.json()["name"] == "Acme 2"
    assert changed.json()["updated_at"] > data["updated_at"]


async def test_bad_input_is_422_naming_the_field(client, provider_key):
    cases = [
        ("Bad_Slug", {"name": "x"}, "slug"),
        ("admin", {"name": "x"}, "slug"),
        ("ab", {"name": "x"}, "slug"),
        (new_slug(), {}, "name"),
        (new_slug(), {"name": "x", "plan": "gold"}, "plan"),
        (new_slug(), {"name": "x", "domains": ["not a domain"]}, "domains"),
        (new_slug(), {"name": "x", "domains": ["evil.localhost"]}, "domains"),
        (new_slug(), {"name": "x", "db_cluster": "nowhere"}, "db_cluster"),
        (new_slug(), {"name": 5}, "name"),
    ]
    for slug, body, field in cases:
        response = await client.put(f"/provider/v1/tenants/{slug}", json=body,
                                    headers=auth(provider_key))
        assert response.status_code == 422, (slug, body, response.text)
        assert response.json()["field"] == field, (slug, body, response.json())


async def test_unknown_field_is_refused(client, provider_key):
    response = await client.put(f"/provider/v1/tenants/{new_slug()}",
                                json={"name": "x", "colour": "red"}, headers=auth(provider_key))
    assert response.status_code == 422
    assert "colour" in response.json()["detail"]


async def test_delete_then_get_is_404_and_schema_and_bucket_are_gone(client, provider_key,
                                                                     services):
    slug = new_slug()
    created = await client.put(f"/provider/v1/tenants/{slug}", json={"name": "Gone"},
                               headers=auth(provider_key))
    assert created.status_code == 201
    schema, bucket = f"argus_t_{slug}", f"argus-t-{slug}"
    engine = services.dbs.engine("main")
    assert await schema_exists(engine, schema)
    assert await services.storage.bucket_exists(bucket)

    response = await client.delete(f"/provider/v1/tenants/{slug}", headers=auth(provider_key))
    assert response.status_code == 204
    response = await client.get(f"/provider/v1/tenants/{slug}", headers=auth(provider_key))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not await schema_exists(engine, schema)
    assert not await services.storage.bucket_exists(bucket)
    again = await client.delete(f"/provider/v1/tenants/{slug}", headers=auth(provider_key))
    assert again.status_code == 404


async def test_list_pages_through_every_tenant_with_a_cursor(client, provider_key):
    slugs = sorted(new_slug("list") for _ in range(5))
    for slug in slugs:
        await client.put(f"/provider/v1/tenants/{slug}", json={"name": slug},
                         headers=auth(provider_key))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/provider/v1/tenants", params=params,
                                    headers=auth(provider_key))
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [t["slug"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert set(slugs) <= set(seen)
    bad = await client.get("/provider/v1/tenants", params={"limit": 0}, headers=auth(provider_key))
    assert bad.status_code == 422 and bad.json()["field"] == "limit"


async def test_patch_suspends_and_resumes(client, provider_key):
    slug = new_slug()
    await client.put(f"/provider/v1/tenants/{slug}", json={"name": "S"}, headers=auth(provider_key))
    tenant_host = {"Host": f"{slug}.localhost"}
    assert (await client.get("/api/v1/tenant", headers=tenant_host)).status_code == 200

    response = await client.patch(f"/provider/v1/tenants/{slug}", json={"state": "suspended"},
                                  headers=auth(provider_key))
    assert response.status_code == 200 and response.json()["state"] == "suspended"
    blocked = await client.get("/api/v1/tenant", headers=tenant_host)
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "tenant_suspended"

    response = await client.patch(f"/provider/v1/tenants/{slug}",
                                  json={"state": "active", "plan": "enterprise"},
                                  headers=auth(provider_key))
    assert response.json()["state"] == "active" and response.json()["plan"] == "enterprise"
    assert (await client.get("/api/v1/tenant", headers=tenant_host)).status_code == 200

    bad = await client.patch(f"/provider/v1/tenants/{slug}", json={"state": "deleting"},
                             headers=auth(provider_key))
    assert bad.status_code == 422 and bad.json()["field"] == "state"
    missing = await client.patch(f"/provider/v1/tenants/{new_slug()}", json={"state": "active"},
                                 headers=auth(provider_key))
    assert missing.status_code == 404


async def test_a_domain_belongs_to_one_tenant_only(client, provider_key):
    a, b = new_slug(), new_slug()
    domain = f"cams.{a}.example"
    first = await client.put(f"/provider/v1/tenants/{a}", json={"name": "A", "domains": [domain]},
                             headers=auth(provider_key))
    assert first.status_code == 201
    clash = await client.put(f"/provider/v1/tenants/{b}", json={"name": "B", "domains": [domain]},
                             headers=auth(provider_key))
    assert clash.status_code == 409 and clash.json()["field"] == "domains"
    # The refused create left nothing half-written behind.
    assert (await client.get(f"/provider/v1/tenants/{b}",
                             headers=auth(provider_key))).status_code == 404


async def test_openapi_schema_lists_the_provider_api(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/provider/v1/tenants/{slug}" in paths and "/api/v1/tenant" in paths


async def test_provider_key_is_stored_hashed(services, provider_key):
    async with services.dbs.control_session() as session:
        rows = list(await session.execute(select(ProviderApiKey.prefix, ProviderApiKey.key_hash)))
    assert rows
    assert all(provider_key not in (prefix, key_hash) for prefix, key_hash in rows)


async def test_any_host_mode_still_hides_the_provider_api_on_tenant_hosts(control, provider_key):
    import dataclasses

    from litestar.testing import AsyncTestClient

    from argus.platform.app import create_app

    settings = dataclasses.replace(control, http=dataclasses.replace(control.http,
                                                                     provider_any_host=True))
    async with AsyncTestClient(create_app(settings), base_url="http://testserver.local") as c:
        slug = new_slug()
        internal = {"Host": "argus-internal.svc", "Authorization": f"Bearer {provider_key}"}
        created = await c.put(f"/provider/v1/tenants/{slug}", json={"name": "Any"},
                              headers=internal)
        assert created.status_code == 201
        on_tenant = await c.get("/provider/v1/tenants",
                                headers={**internal, "Host": f"{slug}.localhost"})
        assert on_tenant.status_code == 404


async def test_ingest_nodes_show_load_and_health(client, provider_key, services):
    from argus.platform.core.db import utcnow
    from argus.platform.ingest.models import CameraPlacement, IngestNode

    node_id = new_slug("node")
    async with services.dbs.control_session() as session:
        session.add(IngestNode(id=node_id, rtmp_url="rtmp://n:1935", hls_url="http://n",
                               capacity=7, state="active", secret_hash="0" * 64,
                               last_heartbeat_at=utcnow(), live_streams=1,
                               problems="rec/ is not writable by nginx's user nobody"))
        session.add(CameraPlacement(camera_id=new_slug("cam"), tenant_id="t", node_id=node_id))
        await session.commit()
    assert (await client.get("/provider/v1/ingest-nodes", headers=PROVIDER)).status_code == 401
    response = await client.get("/provider/v1/ingest-nodes", headers=auth(provider_key))
    assert response.status_code == 200
    node = next(n for n in response.json()["items"] if n["id"] == node_id)
    assert node["live"] is True and node["capacity"] == 7 and node["placed_cameras"] == 1
    assert node["live_streams"] == 1 and "not writable" in node["problems"]


async def test_nodes_and_keys_are_managed_over_the_api_with_clear_refusals(client, provider_key):
    node = f"zt-node-{new_slug()}"
    routes = [("POST", "/provider/v1/ingest-nodes/"), ("GET", f"/provider/v1/ingest-nodes/{node}"),
              ("PATCH", f"/provider/v1/ingest-nodes/{node}"),
              ("DELETE", f"/provider/v1/ingest-nodes/{node}"),
              ("POST", "/provider/v1/provider-keys/"), ("GET", "/provider/v1/provider-keys/"),
              ("DELETE", "/provider/v1/provider-keys/000000000000")]
    for method, path in routes:  # no key: nothing
        assert (await client.request(method, path, headers=PROVIDER, json={})
                ).status_code == 401, (method, path)
    body = {"id": node, "rtmp_url": "rtmp://127.0.0.1:1935/live",
            "hls_url": "http://127.0.0.1:8080", "capacity": 5}
    made = await client.post("/provider/v1/ingest-nodes/", headers=auth(provider_key), json=body)
    assert made.status_code == 201 and len(made.json()["secret"]) > 30
    again = await client.post("/provider/v1/ingest-nodes/", headers=auth(provider_key), json=body)
    assert again.status_code == 409 and again.json()["field"] == "id"
    bad = await client.patch(f"/provider/v1/ingest-nodes/{node}", headers=auth(provider_key),
                             json={"rtmp_url": "http://nope"})
    assert bad.status_code == 422 and bad.json()["field"] == "rtmp_url"
    changed = await client.patch(f"/provider/v1/ingest-nodes/{node}",
                                 headers=auth(provider_key), json={"capacity": 7})
    assert changed.json()["capacity"] == 7 and "secret" not in changed.text
    assert (await client.delete(f"/provider/v1/ingest-nodes/{node}", headers=auth(provider_key))
            ).status_code == 204
    assert (await client.get(f"/provider/v1/ingest-nodes/{node}", headers=auth(provider_key))
            ).status_code == 404

    key = (await client.post("/provider/v1/provider-keys/", headers=auth(provider_key),
                             json={"name": "ops"})).json()
    prefix, secret = key["key"]["prefix"], key["secret"]
    assert (await client.get("/provider/v1/tenants", headers=auth(secret))).status_code == 200
    listed = (await client.get("/provider/v1/provider-keys/", headers=auth(provider_key))).json()
    assert prefix in [k["prefix"] for k in listed["items"]] and secret not in str(listed)
    own = await client.delete(f"/provider/v1/provider-keys/{prefix}", headers=auth(secret))
    assert own.status_code == 409  # a key cannot revoke itself
    assert (await client.delete(f"/provider/v1/provider-keys/{prefix}",
                                headers=auth(provider_key))).status_code == 204
    assert (await client.get("/provider/v1/tenants", headers=auth(secret))).status_code == 401
    assert (await client.delete("/provider/v1/provider-keys/000000000000",
                                headers=auth(provider_key))).status_code == 404

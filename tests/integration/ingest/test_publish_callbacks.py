"""nginx-rtmp's callbacks: only a node may call; a stream key publishes as its own camera or not
at all; the internal application's publish makes the camera online and announces it."""

from __future__ import annotations

import asyncio
import json
import secrets

from argus.platform.app import services_of_app
from argus.platform.core.jobs import general_queue, node_queue
from argus.platform.identity.tokens import digest
from argus.platform.ingest.jobs import camera_offline_check
from argus.platform.ingest.signing import relay_token
from argus.platform.services import CTX_KEY
from tests.integration.conftest import bearer, fresh_ip, login


async def _camera(client, tenant, admin, name="Cam") -> tuple[str, str]:
    body = (await client.post("/api/v1/cameras", headers=bearer(tenant, admin),
                              json={"name": name})).json()
    return body["camera"]["id"], body["ingest"]["stream_key"]


async def _call(client, node, path, body: str):
    node_id, secret = node
    return await client.post(f"/internal/rtmp/{path}", params={"node": node_id,
                                                               "secret": secret},
                             content=body.encode(),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})


def _publish_body(key: str, extra: str = "", addr: str = "203.0.113.5") -> str:
    body = (f"app=live&flashver=FMLE&swfurl=&tcurl=rtmp://x/live&pageurl=&addr={addr}"
            f"&clientid=7&call=publish&name={key}&type=live")
    return body + (f"&{extra}" if extra else "")


async def test_a_good_key_is_relayed_under_the_internal_name(client_for, tenant_a, node):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin)
    response = await _call(client, node, "publish", _publish_body(key))
    assert response.status_code == 302
    # A redirect without a scheme: nginx renames the stream to its internal name.
    assert response.headers["location"] == f"{tenant_a.slug}__{camera_id}"
    assert key not in response.headers["location"]


async def test_only_this_nodes_rtsp_relay_publishes_under_an_internal_name(
        client_for, tenant_a, node):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    pull = (await client.post("/api/v1/cameras", headers=bearer(tenant_a, admin), json={
        "name": "Pull", "ingest_mode": "rtsp_pull", "rtsp_url": "rtsp://203.0.114.9/s"})).json()
    push_id, _ = await _camera(client, tenant_a, admin)
    pull_name = f"{tenant_a.slug}__{pull['camera']['id']}"
    token = relay_token(node[1], pull_name)
    relay = _publish_body(pull_name, f"relay={token}", addr="127.0.0.1")
    assert (await _call(client, node, "publish", relay)).status_code == 200
    # The address alone proves nothing (anything on the node reaches 127.0.0.1): without the
    # node's relay token, or with another node's, the internal name is refused.
    for extra in ("", "relay=" + "0" * 40, "relay=" + relay_token("other-node-secret",
                                                                  pull_name)):
        refused = await _call(client, node, "publish",
                              _publish_body(pull_name, extra, addr="127.0.0.1"))
        assert refused.status_code == 403, extra
    # From elsewhere the token works the same; a push camera (it has a key) never does.
    assert (await _call(client, node, "publish", _publish_body(pull_name, f"relay={token}"))
            ).status_code == 200
    push_name = f"{tenant_a.slug}__{push_id}"
    push_relay = _publish_body(push_name, f"relay={relay_token(node[1], push_name)}",
                               addr="127.0.0.1")
    assert (await _call(client, node, "publish", push_relay)).status_code == 403


async def test_refusals(client_for, tenant_a, node, identity_app):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_x, key_x = await _camera(client, tenant_a, admin, "X")
    camera_y, key_y = await _camera(client, tenant_a, admin, "Y")
    node_id, _ = node

    wrong_node = await client.post("/internal/rtmp/publish",
                                   params={"node": node_id, "secret": "nope"},
                                   content=_publish_body(key_x).encode(),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert wrong_node.status_code == 403
    assert (await _call(client, node, "publish", _publish_body("no-such-key"))
            ).status_code == 403
    # X's key with Y's name appended publishes as X or not at all: here, not at all.
    for extra in (f"name={key_y}", f"name={tenant_a.slug}__{camera_y}", "app=internal"):
        response = await _call(client, node, "publish", _publish_body(key_x, extra))
        assert response.status_code == 403, extra

    await client.patch(f"/api/v1/cameras/{camera_x}", headers=bearer(tenant_a, admin),
                       json={"enabled": False})
    assert (await _call(client, node, "publish", _publish_body(key_x))).status_code == 403
    rotated = (await client.post(f"/api/v1/cameras/{camera_y}/stream-key",
                                 headers=bearer(tenant_a, admin))).json()["stream_key"]
    assert (await _call(client, node, "publish", _publish_body(key_y))).status_code == 403
    assert (await _call(client, node, "publish", _publish_body(rotated))).status_code == 302
    await services_of_app(identity_app).tenant_service.update(tenant_a.slug, state="suspended")
    assert (await _call(client, node, "publish", _publish_body(rotated))).status_code == 403


async def test_unknown_keys_are_budgeted_per_source_address(client_for, node):
    client = client_for()
    addr = fresh_ip(198)
    codes = [(await _call(client, node, "publish",
                          _publish_body(f"guess{i}", addr=addr))).status_code
             for i in range(32)]
    assert codes[:30] == [403] * 30 and codes[30:] == [429, 429]


async def test_internal_publish_marks_online_and_announces_it(client_for, tenant_a, node,
                                                              identity_app):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, _ = await _camera(client, tenant_a, admin)
    redis = services_of_app(identity_app).redis
    schema = services_of_app(identity_app).settings.database.control_schema
    channel = f"argus:{schema}:events:{tenant_a.id}"
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(channel)
        name = f"{tenant_a.slug}__{camera_id}"
        body = f"app=internal&addr=127.0.0.1&call=publish&name={name}&type=live"
        assert (await _call(client, node, "internal_publish", body)).status_code == 200
        status = await client.get(f"/api/v1/cameras/{camera_id}/status",
                                  headers=bearer(tenant_a, admin))
        assert status.json()["status"] == "online" and status.json()["last_seen_at"]
        event = None
        for _ in range(50):
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message:
                event = json.loads(message["data"])
                break
            await asyncio.sleep(0.01)
        assert event == {"type": "camera-status", "cameraId": camera_id, "status": "online",
                         "reason": None, "at": event["at"]}
        # Then the tenant's counts, for dashboards.
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
        counts = json.loads(message["data"])
        assert counts["type"] == "dashboard-update"
        assert counts["cameras"] == {"offline": 0, "connecting": 0, "online": 1, "error": 0,
                                     "total": 1, "recording": 0}
        # Publishing again while online changes nothing and announces nothing.
        assert (await _call(client, node, "internal_publish", body)).status_code == 200
        assert await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2) is None

        async def status_now() -> str:
            return (await client.get(f"/api/v1/cameras/{camera_id}/status",
                                     headers=bearer(tenant_a, admin))).json()["status"]

        # The publisher leaves: still online during the grace period, and a check queued for
        # its end on the general queue.
        done = f"app=internal&addr=127.0.0.1&call=publish_done&name={name}"
        queue = general_queue(services_of_app(identity_app).settings)
        before = await services_of_app(identity_app).jobs.redis.zcard(queue)
        assert (await _call(client, node, "internal_publish_done", done)).status_code == 200
        assert await status_now() == "online"
        assert await services_of_app(identity_app).jobs.redis.zcard(queue) == before + 1
        # Back inside the grace period: the check finds it live and leaves it online.
        assert (await _call(client, node, "internal_publish", body)).status_code == 200
        ctx = {CTX_KEY: services_of_app(identity_app)}
        assert await camera_offline_check(ctx, tenant_a.id, camera_id) == "live"
        assert await status_now() == "online"
        assert await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2) is None
        # Gone for good: the check marks it offline and announces it, once.
        assert (await _call(client, node, "internal_publish_done", done)).status_code == 200
        assert await camera_offline_check(ctx, tenant_a.id, camera_id) == "offline"
        assert await status_now() == "offline"
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
        assert json.loads(message["data"])["status"] == "offline"
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
        assert json.loads(message["data"])["cameras"]["offline"] == 1
        assert await camera_offline_check(ctx, tenant_a.id, camera_id) == "unchanged"


async def test_rotating_the_key_drops_the_live_publisher(client_for, tenant_a, node,
                                                         identity_app):
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, key = await _camera(client, tenant_a, admin)
    assert (await _call(client, node, "publish", _publish_body(key))).status_code == 302
    queue = node_queue(services_of_app(identity_app).settings, node[0])
    jobs = services_of_app(identity_app).jobs.redis
    assert await jobs.zcard(queue) == 0
    await client.post(f"/api/v1/cameras/{camera_id}/stream-key", headers=bearer(tenant_a, admin))
    queued = await jobs.queued_jobs(queue_name=queue)
    assert [(j.function, j.args) for j in queued] == [("drop_publisher", ("live", "7"))]
    # Nothing more to drop after that, and cameras that never published queue nothing.
    await client.post(f"/api/v1/cameras/{camera_id}/stream-key", headers=bearer(tenant_a, admin))
    assert await jobs.zcard(queue) == 1


async def test_a_key_with_double_underscores_from_this_host_is_still_a_key(
        client_for, tenant_a, node, services):
    """Keys are base64url and may hold "__": from 127.0.0.1 (a camera on the node's own host)
    such a key must not be mistaken for an RTSP relay's internal name."""
    from sqlalchemy import update

    from argus.platform.cameras.models import StreamKey

    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera_id, _ = await _camera(client, tenant_a, admin)
    key = f"ab__{secrets.token_hex(11)}__z0"  # 32 characters, like a real key
    async with services.dbs.control_session() as session:  # as if the key came out so
        await session.execute(update(StreamKey).where(StreamKey.camera_id == camera_id)
                              .values(key_hash=digest(key)))
        await session.commit()
    response = await _call(client, node, "publish", _publish_body(key, addr="127.0.0.1"))
    assert response.status_code == 302
    assert response.headers["location"] == f"{tenant_a.slug}__{camera_id}"


async def test_a_callback_through_a_proxy_is_refused_even_with_the_nodes_secret(
        client_for, tenant_a, node):
    """The public ingress always adds a proxy header; nginx-rtmp never does."""
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    _camera_id, key = await _camera(client, tenant_a, admin)
    node_id, secret = node
    for header in ({"X-Forwarded-For": "198.51.100.7"}, {"Forwarded": "for=198.51.100.7"},
                   {"X-Real-IP": "198.51.100.7"}):
        proxied = await client.post(
            "/internal/rtmp/publish", params={"node": node_id, "secret": secret},
            content=_publish_body(key).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **header})
        assert proxied.status_code == 403 and proxied.json()["code"] == "proxied_callback"
    assert (await _call(client, node, "publish", _publish_body(key))).status_code == 302

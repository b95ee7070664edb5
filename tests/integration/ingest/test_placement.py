"""Cameras land on the least-loaded live node, and move when their node's agent goes silent."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, update

from argus.platform.core.db import utcnow
from argus.platform.identity.tokens import digest
from argus.platform.ingest.jobs import reconcile_nodes
from argus.platform.ingest.models import CameraPlacement, IngestNode
from argus.platform.services import CTX_KEY
from tests.conftest import new_slug
from tests.integration.conftest import bearer, login


async def _nodes(services, beats: dict[str, timedelta | None], capacity: int = 10) -> list[str]:
    ids = []
    async with services.dbs.control_session() as session:
        # Other tests' nodes must not take part.
        await session.execute(update(IngestNode).values(state="draining"))
        for index, age in beats.items():
            node_id = new_slug(f"n{index}")
            session.add(IngestNode(id=node_id, rtmp_url=f"rtmp://{node_id}:1935",
                                   hls_url=f"http://{node_id}", capacity=capacity,
                                   state="active", secret_hash=digest(secrets.token_hex(8)),
                                   last_heartbeat_at=None if age is None else utcnow() - age))
            ids.append(node_id)
        await session.commit()
    return ids


async def _create(client, tenant, admin, **extra) -> dict:
    response = await client.post("/api/v1/cameras", headers=bearer(tenant, admin),
                                 json={"name": "Cam", **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def test_cameras_go_to_the_least_loaded_live_node(client_for, tenant_a, services):
    live_1, live_2, silent, never = await _nodes(services, {
        "a": timedelta(seconds=1), "b": timedelta(seconds=2), "c": timedelta(minutes=5),
        "d": None})
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    placed = []
    for _ in range(4):
        body = await _create(client, tenant_a, admin)
        node = body["camera"]["ingest_node_id"]
        assert body["ingest"]["rtmp_url"] == f"rtmp://{node}:1935/live"
        placed.append(node)
    assert sorted(placed) == sorted([live_1, live_1, live_2, live_2])
    pull = await _create(client, tenant_a, admin, ingest_mode="rtsp_pull",
                         rtsp_url="rtsp://user:pw@10.0.0.5/stream")
    assert pull["ingest"] is None and pull["camera"]["ingest_node_id"] in (live_1, live_2)
    async with services.dbs.control_session() as session:
        row = await session.get(CameraPlacement, pull["camera"]["id"])
        assert row.pull is True and row.enabled is True and row.tenant_id == tenant_a.id
    # Deleting a camera frees its place.
    await client.delete(f"/api/v1/cameras/{pull['camera']['id']}",
                        headers=bearer(tenant_a, admin))
    async with services.dbs.control_session() as session:
        assert await session.get(CameraPlacement, pull["camera"]["id"]) is None
    assert silent and never


async def test_cameras_move_off_a_dead_node(client_for, tenant_a, services):
    (doomed,) = await _nodes(services, {"a": timedelta(seconds=1)})
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    camera = (await _create(client, tenant_a, admin))["camera"]
    assert camera["ingest_node_id"] == doomed
    (spare,) = await _nodes(services, {"b": timedelta(seconds=1)})
    async with services.dbs.control_session() as session:
        await session.execute(update(IngestNode).where(IngestNode.id == doomed).values(
            state="active", last_heartbeat_at=utcnow() - timedelta(minutes=2)))
        await session.commit()
    try:
        assert await reconcile_nodes({CTX_KEY: services}) >= 1
        async with services.dbs.control_session() as session:
            assert (await session.get(IngestNode, doomed)).state == "offline"
            assert (await session.get(CameraPlacement, camera["id"])).node_id == spare
        moved = await client.get(f"/api/v1/cameras/{camera['id']}",
                                 headers=bearer(tenant_a, admin))
        assert moved.json()["ingest_node_id"] == spare
    finally:
        async with services.dbs.control_session() as session:
            await session.execute(delete(IngestNode).where(IngestNode.id.in_([doomed, spare])))
            await session.commit()


async def test_a_drained_node_takes_no_new_camera_and_hands_its_cameras_over(
        client_for, tenant_a, services, provider_key):
    (old,) = await _nodes(services, {"a": timedelta(seconds=1)})
    client = client_for()
    admin = (await login(client, tenant_a))["access_token"]
    push = (await _create(client, tenant_a, admin))["camera"]
    pull = (await _create(client, tenant_a, admin, ingest_mode="rtsp_pull",
                          rtsp_url="rtsp://10.0.0.5/stream"))["camera"]
    assert push["ingest_node_id"] == pull["ingest_node_id"] == old
    (new,) = await _nodes(services, {"b": timedelta(seconds=1)})
    async with services.dbs.control_session() as session:  # _nodes drained the old one too
        await session.execute(update(IngestNode).where(IngestNode.id == old).values(
            state="active"))
        await session.commit()
    provider = {"Host": "provider.localhost", "Authorization": f"Bearer {provider_key}"}
    try:
        assert (await client.patch(f"/provider/v1/ingest-nodes/{old}", json={
            "state": "draining"}, headers={"Host": "provider.localhost"})).status_code == 401
        wrong = await client.patch(f"/provider/v1/ingest-nodes/{old}",
                                   json={"state": "offline"}, headers=provider)
        assert wrong.status_code == 422 and wrong.json()["field"] == "state", wrong.text
        unknown = await client.patch("/provider/v1/ingest-nodes/nope",
                                     json={"state": "draining"}, headers=provider)
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_node"
        drained = await client.patch(f"/provider/v1/ingest-nodes/{old}",
                                     json={"state": "draining"}, headers=provider)
        assert drained.status_code == 200, drained.text
        assert drained.json()["state"] == "draining" and drained.json()["placed_cameras"] == 2

        assert (await _create(client, tenant_a, admin))["camera"]["ingest_node_id"] == new
        assert await reconcile_nodes({CTX_KEY: services}) >= 2
        for camera in (push, pull):
            shown = await client.get(f"/api/v1/cameras/{camera['id']}",
                                     headers=bearer(tenant_a, admin))
            assert shown.json()["ingest_node_id"] == new
        async with services.dbs.control_session() as session:
            assert (await session.get(IngestNode, old)).state == "draining"  # not offline
        listed = (await client.get("/provider/v1/ingest-nodes", headers=provider)).json()
        assert next(n for n in listed["items"] if n["id"] == old)["placed_cameras"] == 0

        back = await client.patch(f"/provider/v1/ingest-nodes/{old}",
                                  json={"state": "active"}, headers=provider)
        assert back.json()["state"] == "active"
    finally:
        async with services.dbs.control_session() as session:
            await session.execute(delete(IngestNode).where(IngestNode.id.in_([old, new])))
            await session.commit()

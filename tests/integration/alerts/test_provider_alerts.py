"""The provider's ops are e-mailed (a real SMTP server) when an ingest node stops
heartbeating, when it is back, and when its recording volume runs low — each once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import delete

from argus.platform.core.db import utcnow
from argus.platform.ingest.agent import NodeAgent
from argus.platform.ingest.jobs import reconcile_nodes
from argus.platform.ingest.models import IngestNode
from argus.platform.services import CTX_KEY, Services
from tests.conftest import new_slug

OPS = "ops@provider.example"


@pytest.fixture
async def ops_services(control, smtp_inbox):
    _, port = smtp_inbox
    settings = dataclasses.replace(
        control, mail=dataclasses.replace(control.mail, transport="smtp", smtp_port=port),
        alerts=dataclasses.replace(control.alerts, provider_emails=(OPS,),
                                   disk_free_percent=100.0))  # every volume is "low"
    services = Services.build(settings)
    yield services
    await services.close()


async def test_node_down_back_and_a_low_volume_are_each_told_once(ops_services, smtp_inbox,
                                                                  tmp_path):
    inbox, _ = smtp_inbox
    services = ops_services
    node_id = new_slug("opsnode")[:30]
    async with services.dbs.control_session() as session:
        session.add(IngestNode(id=node_id, rtmp_url="rtmp://127.0.0.1:1935",
                               hls_url="http://127.0.0.1:8080", capacity=10, state="active",
                               secret_hash="0" * 64,
                               last_heartbeat_at=utcnow() - timedelta(minutes=5)))
        await session.commit()

    def about(what: str) -> list:
        return [m for m in inbox.to(OPS) if f"node {node_id}" in m["Subject"]
                and what in m["Subject"]]

    try:
        await reconcile_nodes({CTX_KEY: services})
        await reconcile_nodes({CTX_KEY: services})
        [down] = about("is down")
        assert down["Subject"].startswith("[Argus ops]")
        assert "stopped heartbeating" in down.get_content()

        (tmp_path / "rec").mkdir()
        agent = NodeAgent(services, services.stream_status, node_id, tmp_path, "127.0.0.1:1",
                          "nobody")
        try:
            await agent.heartbeat()
            await agent.heartbeat()
        finally:
            await agent.close()
        assert len(about("is back")) == 1
        [low] = about("recording volume low")
        assert "% free" in low.get_content() and "draining" in low.get_content()
        async with services.dbs.control_session() as session:
            node = await session.get(IngestNode, node_id)
            assert node.state == "active" and "recording volume" in node.problems
    finally:
        async with services.dbs.control_session() as session:
            await session.execute(delete(IngestNode).where(IngestNode.id == node_id))
            await session.commit()
        await services.redis.delete(
            f"argus:{services.settings.database.control_schema}:disk-alert:{node_id}")

"""Small helpers shared by tests: schema inspection, waiting on a condition, reading a
Prometheus scrape."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text


async def tables_of(engine, schema: str) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": schema})
        return {r[0] for r in rows}


async def schema_exists(engine, schema: str) -> bool:
    async with engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": schema})
        return bool(found)


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 10.0,
                   interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(interval)


async def half_provisioned(service, monkeypatch, failing_step: str = "migrate_schema") -> str:
    """Create a tenant whose provisioning 'crashed' in ``failing_step``; return its slug."""
    import pytest

    from argus.tenants.service import TenantSpec
    from tests.conftest import new_slug

    slug = new_slug()

    async def crash(*args, **kwargs):
        raise RuntimeError(f"simulated crash in {failing_step}")

    monkeypatch.setattr(service, failing_step, crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        await service.put(slug, TenantSpec(name="Half"))
    monkeypatch.undo()
    return slug


def scrape(url: str) -> dict[tuple, float]:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return {(s.name, *sorted(s.labels.items())): s.value
            for f in text_string_to_metric_families(response.text) for s in f.samples}


def value(samples: dict[tuple, float], name: str, **labels: str) -> float:
    """The sum over every series of ``name`` that has these labels."""
    return sum(v for key, v in samples.items()
               if key[0] == name and all((k, lv) in key[1:] for k, lv in labels.items()))

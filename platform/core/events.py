"""Where a tenant's live events are published (Redis pub/sub, one channel per tenant)."""

from __future__ import annotations


def events_channel(control_schema: str, tenant_id: str) -> str:
    return f"argus:{control_schema}:events:{tenant_id}"

"""Every Redis key, channel and queue name, in one place.

All of them start ``argus:<control schema>:`` so two deployments (or the test suite) can share
one Redis. A new family of keys gets its prefix here.
"""

from __future__ import annotations


def namespace(control_schema: str) -> str:
    return f"argus:{control_schema}"


def auth_prefix(control_schema: str) -> str:
    """Revocation markers and their channel (``identity``)."""
    return f"{namespace(control_schema)}:auth"


def rate_prefix(control_schema: str) -> str:
    """API rate-limit window counters."""
    return f"{namespace(control_schema)}:rl"


def login_prefix(control_schema: str) -> str:
    """Sign-in attempt counters and lockouts."""
    return f"{namespace(control_schema)}:login"


def sockets_prefix(control_schema: str) -> str:
    """Open event sockets per user and per tenant (caps)."""
    return f"{namespace(control_schema)}:sockets"


def live_prefix(control_schema: str) -> str:
    """Which node carries which stream, and each camera's publisher (``ingest.live``)."""
    return namespace(control_schema)


def general_queue(control_schema: str) -> str:
    return f"{namespace(control_schema)}:general"


def node_queue(control_schema: str, node_id: str) -> str:
    return f"{namespace(control_schema)}:node:{node_id}"


def events_channel(control_schema: str, tenant_id: str) -> str:
    """A tenant's live events (pub/sub; the event hub listens on the pattern of all)."""
    return f"{namespace(control_schema)}:events:{tenant_id}"


def tenant_changed_channel(control_schema: str) -> str:
    return f"{namespace(control_schema)}:tenant-changed"


def metrics_prefix(control_schema: str) -> str:
    """Counts kept for the metrics scrape (API calls per tenant)."""
    return f"{namespace(control_schema)}:metrics"


def egress_key(control_schema: str, node_id: str) -> str:
    """A node's place in its HLS access log, and the chunk being metered (``ingest.egress``)."""
    return f"{namespace(control_schema)}:egress:{node_id}"

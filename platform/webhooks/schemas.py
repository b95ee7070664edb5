"""Wire types of ``/api/v1/webhooks``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Url = Annotated[str, msgspec.Meta(min_length=8, max_length=2000)]
Description = Annotated[str, msgspec.Meta(max_length=300)]
Grace = Annotated[int, msgspec.Meta(ge=0, le=7 * 86400)]


class EndpointIn(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    description: Description = ""
    event_types: list[str] | None = None  # null: every event
    enabled: bool = True


class EndpointPatch(msgspec.Struct, forbid_unknown_fields=True):
    url: Url | None = None
    description: Description | None = None
    event_types: list[str] | None = None
    all_events: bool | None = None  # true: subscribe to every event (event_types null)
    enabled: bool | None = None


class RotateIn(msgspec.Struct, forbid_unknown_fields=True):
    grace_seconds: Grace = 86400  # the old secret keeps signing this long; 0: a leaked secret


class RecoverIn(msgspec.Struct, forbid_unknown_fields=True):
    since: datetime  # every delivery that failed since then is sent again


class Recovered(msgspec.Struct):
    recovered: int


class EndpointOut(msgspec.Struct):
    id: str
    url: str
    description: str
    event_types: list[str] | None
    enabled: bool
    disabled_reason: str | None
    previous_secret_until: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointCreated(msgspec.Struct):
    endpoint: EndpointOut
    secret: str  # shown once


class EndpointPage(msgspec.Struct):
    items: list[EndpointOut]
    next_cursor: str | None


class AttemptOut(msgspec.Struct):
    at: datetime
    status_code: int | None
    latency_ms: int
    response: str
    error: str | None


class DeliveryOut(msgspec.Struct):
    id: str  # the webhook-id
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    created_at: datetime
    delivered_at: datetime | None
    body: str
    attempt_log: list[AttemptOut]


class DeliveryPage(msgspec.Struct):
    items: list[DeliveryOut]
    next_cursor: str | None

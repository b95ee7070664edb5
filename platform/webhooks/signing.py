"""Standard Webhooks signatures (``standardwebhooks``): ``webhook-id``, ``webhook-timestamp``
and ``webhook-signature`` headers over ``{id}.{timestamp}.{body}``; while a secret is being
rotated every live secret signs, space-separated, so a receiver holding either verifies."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh endpoint secret (``whsec_`` + 32 random bytes, base64), shown to the tenant
    once."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def headers(message_id: str, at: datetime, body: str, live_secrets: list[str]) -> dict[str, str]:
    """The three headers of one delivery attempt, signed with every live secret."""
    if not live_secrets:
        raise ValueError("an endpoint always has at least one live secret")
    signatures = " ".join(Webhook(s).sign(message_id, at, body) for s in live_secrets)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signatures}

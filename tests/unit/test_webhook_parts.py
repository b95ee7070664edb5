"""Webhook signing (checked with the standardwebhooks library, as a receiver would), the
targets a webhook may reach, and the retry schedule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from argus.platform.core.errors import Invalid
from argus.platform.webhooks.schedule import SVIX, next_delay, parse_schedule, retry_after
from argus.platform.webhooks.signing import headers, new_secret
from argus.platform.webhooks.targets import allowed, check_url, resolve


def test_a_delivery_verifies_with_each_live_secret_during_a_rotation():
    old, new = new_secret(), new_secret()
    body = json.dumps({"type": "camera.online", "data": {"camera_id": "c1"}})
    now = datetime.now(UTC)
    signed = headers("msg_1", now, body, [new, old])
    assert signed["webhook-id"] == "msg_1" and len(signed["webhook-signature"].split()) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, signed)["type"] == "camera.online"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, signed)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body.replace("c1", "c2"), signed)  # a changed body
    stale = headers("msg_1", now - timedelta(minutes=10), body, [new])
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body, stale)  # outside the receiver's tolerance


@pytest.mark.parametrize("url", ["ftp://example.com/", "https://", "http://u:p@example.com/",
                                 "http://example.com:99999/", "javascript:alert(1)"])
def test_bad_urls_are_refused_naming_the_field(url):
    with pytest.raises(Invalid) as refused:
        check_url(url)
    assert refused.value.field == "url"


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "192.168.0.1",
                                     "::1", "fc00::1", "::ffff:127.0.0.1", "0.0.0.0"])
def test_non_global_addresses_are_refused_unless_allowed(address):
    assert not allowed(address, allow_private=False)
    assert allowed(address, allow_private=True)
    assert allowed("93.184.215.14", allow_private=False)


async def test_names_are_resolved_and_private_answers_refused():
    with pytest.raises(Invalid, match="private, loopback"):
        await resolve("http://localhost:8080/hook", allow_private=False)
    target = await resolve("http://127.0.0.1:8080/hook?x=1", allow_private=True)
    assert (target.address, target.port, target.path) == ("127.0.0.1", 8080, "/hook?x=1")


def test_the_schedule_and_retry_after():
    assert parse_schedule(None) == SVIX == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    assert parse_schedule("0,1,2") == (0, 1, 2)
    for bad in ("a,b", "-1", "1,,2"):
        with pytest.raises(ValueError):
            parse_schedule(bad)
    schedule = (0, 5, 300)
    assert [next_delay(schedule, n, 500, None) for n in range(4)] == [0, 5, 300, None]
    assert next_delay(schedule, 1, 429, 60) == 60  # the receiver asked for longer
    assert next_delay(schedule, 2, 503, 60) == 300  # the schedule is longer already
    assert next_delay(schedule, 1, 500, 60) == 5  # Retry-After only on 429/503
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Thu, 03 Dec 2026 12:02:00 GMT", now) == 120
    assert retry_after("soon", now) is None and retry_after(None, now) is None
    assert retry_after("9999999", now) == 86400


def test_secrets_are_sealed_and_survive_a_key_rotation():
    from cryptography.fernet import Fernet

    from argus.platform.webhooks.vault import Vault

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    secret = new_secret()
    sealed = Vault((old_key,)).seal(secret)
    assert secret not in sealed
    rotated = Vault((new_key, old_key))
    assert rotated.open(sealed) == secret
    resealed = rotated.reseal(sealed)
    assert Vault((new_key,)).open(resealed) == secret
    with pytest.raises(ValueError, match="no longer"):
        Vault((new_key,)).open(sealed)
    with pytest.raises(ValueError, match="not set"):
        Vault(())
    with pytest.raises(ValueError, match="Fernet key"):
        Vault(("short",))

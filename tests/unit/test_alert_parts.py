"""Alert parts that need no database: what a message says, which cameras a rule covers, and
that every channel of a rule can reach someone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from argus.platform.alerts.incidents import in_scope
from argus.platform.alerts.models import NotificationRule
from argus.platform.alerts.rules import _check_reach
from argus.platform.alerts.texts import duration, text, title
from argus.platform.cameras.models import Camera
from argus.platform.core.errors import Invalid


def test_durations_read_like_a_person_wrote_them():
    assert [duration(s) for s in (5, 60, 61, 3600, 5400)] == [
        "5 s", "1 min", "1 min 1 s", "1 h 0 min", "1 h 30 min"]


def test_titles_name_the_camera_and_survive_missing_facts():
    assert title("camera.offline", "opened", "Gate", {}) == "Gate is offline"
    assert title("camera.offline", "resolved", "Gate", {}) == "Gate is back online"
    assert title("camera.offline", "opened", "", {}) == "A camera is offline"
    assert title("usage.threshold", "opened", "", {"percent": 80, "metric": "cameras"}) == (
        "Usage reached 80% of the plan's cameras")
    assert title("usage.threshold", "opened", "", {}) == "usage.threshold"  # no facts: the type
    started = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    body = text("camera.offline", "resolved", "Gate", {"reason": "publisher left"}, started,
                datetime(2026, 12, 4, 10, 7, tzinfo=UTC))
    assert "7 min" in body


def test_a_rule_covers_all_cameras_a_tag_or_listed_ones():
    camera = Camera(id="c1", name="Gate", tags=["perimeter"])
    assert in_scope(NotificationRule(scope="all"), camera)
    assert in_scope(NotificationRule(scope="all"), None)  # tenant-wide events too
    assert in_scope(NotificationRule(scope="tag", tag="perimeter"), camera)
    assert not in_scope(NotificationRule(scope="tag", tag="lobby"), camera)
    assert in_scope(NotificationRule(scope="cameras", camera_ids=["c1"]), camera)
    assert not in_scope(NotificationRule(scope="cameras", camera_ids=["c2"]), camera)
    assert not in_scope(NotificationRule(scope="tag", tag="perimeter"), None)


@pytest.mark.parametrize("channels, recipients, ok", [
    (["email"], {"emails": ["a@b.example"]}, True),
    (["email", "in_app"], {"roles": ["admin"]}, True),
    (["sms"], {"roles": ["admin"]}, False),
    (["in_app"], {"emails": ["a@b.example"]}, False),
    (["sms"], {"phones": ["+15551234567"]}, True),
])
def test_every_channel_must_reach_someone(channels, recipients, ok):
    full = {"users": [], "roles": [], "emails": [], "phones": [], **recipients}
    if ok:
        _check_reach(channels, full)
    else:
        with pytest.raises(Invalid) as refused:
            _check_reach(channels, full)
        assert refused.value.field == "recipients"

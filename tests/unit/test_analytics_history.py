"""Outages and uptime from a camera's availability changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argus.platform.analytics.history import Timeline

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_drop_is_one_outage_with_its_reason_and_uptime_follows_the_clock():
    timeline = Timeline(at(0), at(100), [("online", None, at(0)),
                                         ("offline", "publisher disconnected", at(40)),
                                         ("online", None, at(80))])
    [outage] = timeline.outages()
    assert (outage.start, outage.end, outage.reason) == (at(40), at(80), "publisher disconnected")
    assert outage.seconds(at(100)) == 40
    assert timeline.online_seconds() == 60 and timeline.observed_seconds() == 100
    assert timeline.uptime_percent() == 60.0


def test_offline_then_error_is_one_outage_and_an_open_one_runs_to_now():
    timeline = Timeline(at(0), at(100), [("online", None, at(0)),
                                         ("offline", "gone", at(50)),
                                         ("error", "over quota", at(60))])
    [outage] = timeline.outages()
    assert outage.end is None and outage.state == "offline" and outage.reason == "gone"
    assert outage.seconds(at(100)) == 50
    assert timeline.uptime_percent() == 50.0


def test_a_camera_first_seen_mid_window_counts_from_then():
    timeline = Timeline(at(0), at(100), [("online", None, at(90))])
    assert timeline.observed_seconds() == 10 and timeline.uptime_percent() == 100.0
    assert Timeline(at(0), at(100)).uptime_percent() is None  # nothing known


def test_a_later_start_keeps_the_state_the_camera_was_in():
    timeline = Timeline(at(0), at(100), [("online", None, at(0)),
                                         ("offline", "gone", at(30)),
                                         ("online", None, at(70))])
    part = timeline.since(at(50))
    [outage] = part.outages()
    assert (outage.start, outage.end, outage.reason) == (at(50), at(70), "gone")
    assert part.uptime_percent() == 60.0
    assert timeline.since(at(80)).outages() == []

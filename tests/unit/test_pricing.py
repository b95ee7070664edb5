"""Invoice arithmetic against a month worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from argus.billing.plans import Limits
from argus.billing.pricing import GB, Usage, month_bounds, price

BASIC = Limits("basic", price_per_camera_month=500, storage_included_gb=50,
               storage_overage_per_gb_month=4, egress_included_gb=10, egress_overage_per_gb=10)
PRO = Limits("pro", price_per_camera_month=900, included_cameras=1, storage_included_gb=100,
             storage_overage_per_gb_month=2, egress_included_gb=20, egress_overage_per_gb=5)
NOV = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_month_with_a_mid_month_upgrade_matches_the_hand_computed_invoice():
    """November 2026 (30 days), basic until the 16th 00:00, then pro; 3 cameras every day;
    120 GB stored all month (120 GB-month); 20 GB delivered in each half (40 GB).

    basic, 15 days (half the month): 45 camera-days × 500 / 30 = 750; storage 60 GB-month
    − 25 included = 35 × 4 = 140; egress 20 GB − 5 included = 15 × 10 = 150.
    pro, 15 days: (3 − 1 included) × 15 = 30 camera-days × 900 / 30 = 900; storage 60 − 50 =
    10 × 2 = 20; egress 20 − 10 = 10 × 5 = 50. Total 2,010 (USD 20.10)."""
    upgrade = datetime(2026, 11, 16, tzinfo=UTC)
    usage = Usage(
        cameras_by_day={date(2026, 11, d): 3 for d in range(1, 31)},
        byte_hours=[(NOV + timedelta(hours=h), 120 * GB) for h in range(720)],
        egress=[(datetime(2026, 11, 5, 9, tzinfo=UTC), 20 * GB),
                (datetime(2026, 11, 20, 9, tzinfo=UTC), 20 * GB)],
        clip_exports=4)
    lines = price("2026-11", [(BASIC, datetime(2026, 10, 3, tzinfo=UTC)), (PRO, upgrade)],
                  usage)
    got = [(line.kind, line.plan, line.quantity, line.amount) for line in lines]
    assert got == [
        ("cameras", "basic", "45 camera-days", 750),
        ("storage", "basic", "60 GB-month", 140),
        ("egress", "basic", "20 GB", 150),
        ("cameras", "pro", "30 camera-days", 900),
        ("storage", "pro", "60 GB-month", 20),
        ("egress", "pro", "20 GB", 50),
        ("clip_exports", "pro", "4 exports", 0),
    ]
    assert sum(line.amount for line in lines) == 2010


def test_a_change_during_a_day_prices_that_day_at_the_old_plan_and_rounds_half_up():
    change = datetime(2026, 11, 10, 14, tzinfo=UTC)
    usage = Usage(cameras_by_day={date(2026, 11, 10): 1, date(2026, 11, 11): 1})
    lines = price("2026-11", [(BASIC, NOV), (PRO, change)], usage)
    # The 10th: basic, 500 / 30 = 16.67 → 17; the 11th: pro includes one camera.
    assert [(line.plan, line.amount) for line in lines] == [("basic", 17)]


def test_usage_within_the_allowance_costs_nothing_and_bad_periods_are_refused():
    usage = Usage(byte_hours=[(NOV, 10 * GB)], egress=[(NOV, GB)])
    assert [line.amount for line in price("2026-11", [(BASIC, NOV)], usage)] == [0, 0]
    assert month_bounds("2026-02")[1] == datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_bounds("November")

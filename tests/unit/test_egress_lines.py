"""nginx's egress log lines into bytes per tenant, camera and UTC day."""

from __future__ import annotations

from datetime import date

from argus.platform.ingest.egress import parse_lines

CAM = "acme__0b0e6c5e-2f6b-4d7e-9a55-5d2a5f0d9c11"
OTHER = "zeta__7f7e6c5e-2f6b-4d7e-9a55-5d2a5f0d9c11"


def test_lines_are_summed_per_camera_and_utc_day_and_failures_skipped():
    chunk = "\n".join([
        f"1764547199.900 {CAM} 1000 200",  # 2025-11-30 23:59:59.9 UTC
        f"1764547200.100 {CAM} 2500 200",  # 2025-12-01 00:00:00.1 UTC
        f"1764547201.000 {CAM} 300 206",
        f"1764547202.000 {CAM} 180 403",  # refused: nothing delivered worth billing
        f"1764547203.000 {OTHER} 50 200",
        "1764547204.000 - 0 404",  # an unsigned path: no stream
        "garbage",
    ]).encode() + b"\n"
    sums, skipped = parse_lines(chunk)
    assert dict(sums) == {
        ("acme", CAM.split("__")[1], date(2025, 11, 30)): 1000,
        ("acme", CAM.split("__")[1], date(2025, 12, 1)): 2800,
        ("zeta", OTHER.split("__")[1], date(2025, 12, 1)): 50,
    }
    assert skipped == 2

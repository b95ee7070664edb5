"""Quota checks: pure functions over (plan limits, current use), called where a limit bites.

Each raises ``QuotaExceeded`` (402, ``code: "quota_exceeded"``, the field, the plan, its limit
and the use) or returns quietly; the caller has written nothing yet. ``None`` limits are
unlimited.
"""

from __future__ import annotations

from argus.billing.plans import Limits
from argus.platform.core.errors import QuotaExceeded


def _over(limits: Limits, field: str, limit: int | None, used: int, what: str) -> None:
    if limit is not None and used > limit:
        raise QuotaExceeded(f"the {limits.name!r} plan allows {limit} {what}; this would make "
                            f"{used}", field=field, plan=limits.name, limit=limit, used=used)


def check_cameras(limits: Limits, enabled_after: int) -> None:
    """Enabled cameras once this create or enable is done."""
    _over(limits, "enabled", limits.max_cameras, enabled_after, "enabled cameras")


def check_retention(limits: Limits, days: int | None, field: str = "retention_days") -> None:
    """A retention setting in days; ``None`` ("keep") means as long as the plan allows."""
    top = limits.max_retention_days
    if top is not None and days is not None and days > top:
        raise QuotaExceeded(f"the {limits.name!r} plan keeps recordings at most {top} days",
                            field=field, plan=limits.name, limit=top, used=days)


def effective_retention(limits: Limits, days: int | None) -> int | None:
    """What the retention sweep applies: the setting, capped by the plan (a downgrade)."""
    top = limits.max_retention_days
    return top if top is not None and (days is None or days > top) else days


def check_feature(limits: Limits, field: str) -> None:
    """An entitlement the plan either has or not (``abr``, ``low_latency``, ``powered_by``)."""
    allowed = {"abr": limits.abr_allowed, "low_latency": limits.low_latency_allowed,
               "powered_by": limits.powered_by_removable}[field]
    if not allowed:
        what = {"abr": "adaptive bitrate (abr)", "low_latency": "low-latency live",
                "powered_by": "removing the 'powered by' line"}[field]
        raise QuotaExceeded(f"the {limits.name!r} plan does not include {what}", field=field,
                            plan=limits.name)


def check_domains(limits: Limits, count_after: int) -> None:
    _over(limits, "domain", limits.custom_domains, count_after, "custom domains")


def check_clip_exports(limits: Limits, this_month_after: int) -> None:
    _over(limits, "clip_exports", limits.clip_exports_per_month, this_month_after,
          "clip exports a month")


def stream_refusal(limits: Limits, bitrate_kbps: float | None, height: int | None
                   ) -> str | None:
    """Why a live stream is over the plan (``None``: it is within), from what nginx measured."""
    if limits.max_bitrate_kbps is not None and bitrate_kbps and \
            bitrate_kbps > limits.max_bitrate_kbps:
        return (f"stream bitrate {bitrate_kbps:.0f} kbit/s is over the plan's "
                f"{limits.max_bitrate_kbps} kbit/s")
    if limits.max_height is not None and height and height > limits.max_height:
        return f"stream height {height} px is over the plan's {limits.max_height} px"
    return None


def within_allowance(limits: Limits, older_enabled: int) -> bool:
    """Whether a camera may publish: the cameras enabled before it (oldest first) leave room
    (after a downgrade, the newest cameras over the limit are the ones refused)."""
    return limits.max_cameras is None or older_enabled < limits.max_cameras

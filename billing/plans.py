"""Plans a tenant can be on. Quotas and prices arrive with the billing issue."""

from __future__ import annotations

from argus.platform.core.errors import Invalid

PLANS = ("trial", "standard", "professional", "enterprise")
DEFAULT_PLAN = "standard"


def validate_plan(plan: str) -> str:
    if plan not in PLANS:
        raise Invalid(f"plan must be one of {', '.join(PLANS)}", field="plan")
    return plan

"""Wire types of plans (``/provider/v1/plans``, ``/api/v1/billing/plan``).

``PlanIn`` has one field per ``argus.billing.plans.Limits`` field (the plan's name is in the
path), built from it so the two cannot drift: absent fields take the defaults (``PUT``
replaces the whole plan), money is integer minor units of ``currency``, ``null`` limits are
unlimited."""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import datetime
from typing import Annotated, Any

import msgspec

from argus.billing.plans import Limits, Plan

Amount = Annotated[int, msgspec.Meta(ge=0, le=2_000_000_000)]
_TYPES: dict[str, Any] = {"int": Amount, "int | None": Amount | None, "bool": bool,
                          "str": Annotated[str, msgspec.Meta(min_length=3, max_length=3)]}
LIMIT_FIELDS = [f for f in fields(Limits) if f.name != "name"]

PlanIn = msgspec.defstruct(
    "PlanIn", [(f.name, _TYPES[str(f.type)], f.default) for f in LIMIT_FIELDS
               if f.default is not MISSING], forbid_unknown_fields=True)


PlanOut = msgspec.defstruct(
    "PlanOut", [("name", str), *[(f.name, _TYPES[str(f.type)]) for f in LIMIT_FIELDS],
                ("tenants", int), ("created_at", datetime), ("updated_at", datetime)])


def plan_out(limits: Limits, row: Plan, tenants: int) -> Any:
    """The plan as answered: its fields, how many tenants are on it, when it changed."""
    return PlanOut(**limits.values(), tenants=tenants, created_at=row.created_at,
                   updated_at=row.updated_at)


class PlanList(msgspec.Struct):
    items: list[PlanOut]  # type: ignore[valid-type]


def limits_of(name: str, data: Any) -> Limits:
    return Limits(name=name, **msgspec.structs.asdict(data))

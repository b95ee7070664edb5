"""The Terraform provider's shape: every plan field is an attribute, and starting it imports
nothing of the platform (Terraform launches it several times per plan)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields

from argus.billing.plans import Limits
from argus.platform.terraform.resources import PLAN_FIELDS, PlanResource


def test_argus_plan_has_every_field_of_a_plan_with_its_default():
    limits = {f.name: f.default for f in fields(Limits) if f.name != "name"}
    assert {name: default for name, _, default in PLAN_FIELDS} == limits
    names = {a.name for a in PlanResource.get_schema().attributes}
    assert names == {"name", "tenants", *limits}


def test_the_provider_imports_none_of_the_platform():
    probe = ("import sys, argus.platform.terraform.provider as p; "
             "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'litestar', "
             "'argus.platform.core', 'argus.billing', 'grpc'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"

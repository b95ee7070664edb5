"""Every table's model, in one list: a domain that brings a table adds its module here.

``load_models()`` imports them all, so ``ControlBase.metadata`` and ``TenantBase.metadata`` are
complete wherever they are read — Alembic's environment (autogenerate, ``compare_type``) and
tenant deletion, which clears every control table with a ``tenant_id``. A test compares the
metadata with the migrated schemas, so a module missing here fails it.
"""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "argus.tenants.models",
    "argus.billing.usage",
    "argus.billing.ledger",
    "argus.billing.plans",
    "argus.billing.invoices",
    "argus.billing.sink",
    "argus.billing.sessions",
    "argus.branding.brands",
    "argus.platform.alerts.models",
    "argus.platform.analytics.models",
    "argus.platform.audit.models",
    "argus.platform.billing.thresholds",
    "argus.platform.cameras.models",
    "argus.platform.identity.models",
    "argus.platform.ingest.models",
    "argus.platform.provider.models",
    "argus.platform.recordings.models",
    "argus.platform.sharing.models",
    "argus.platform.webhooks.models",
    "argus.tenants.settings_store",
)


def load_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)

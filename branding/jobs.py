"""Branding jobs (general worker): custom domains are verified again without the tenant
asking."""

from __future__ import annotations

from typing import Any

from arq import cron

from argus.branding.domains import DomainService
from argus.platform.core.jobs import from_ctx


async def verify_pending_domains(ctx: dict[str, Any]) -> dict:
    """Custom domains whose TXT record or well-known file may have appeared since they were
    added are verified without the tenant asking again."""
    return await from_ctx(ctx, DomainService).recheck_pending()


JOBS: list[Any] = []
CRONS = [cron(verify_pending_domains, minute=set(range(2, 60, 5)), second=30, unique=True,
              timeout=120)]

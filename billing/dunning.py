"""Non-payment: a finalized invoice still unpaid ``reminder_days`` before it is due gets its
tenant's admins a reminder; one still unpaid when due (and reminded at least once) suspends
the tenant, with a second e-mail. Paying an invoice that suspended its tenant resumes the
tenant, unless another invoice keeps it suspended; a tenant the provider had suspended already
is left as it is (and suspended by the next run if the provider resumes it while the invoice
is still unpaid). Each step is stamped on the invoice
(``reminded_at``, ``suspended_at``) after it is done, so a rerun never repeats one.

The e-mails and the suspension are the caller's callbacks (the platform's mailer and tenant
service)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select, update

from argus.billing.invoices import Invoice
from argus.platform.core.db import Databases, utcnow
from argus.tenants.models import Tenant

log = structlog.get_logger("argus.billing")
Notify = Callable[[Invoice, str, str], Awaitable[None]]  # invoice, tenant slug, kind
SetState = Callable[[str, str], Awaitable[None]]  # tenant slug, state


async def dun(dbs: Databases, reminder_days: int, notify: Notify, set_state: SetState,
              now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    done = {"reminded": 0, "suspended": 0}
    async with dbs.control_session() as control:
        due = (await control.execute(
            select(Invoice, Tenant.slug, Tenant.state).join(Tenant, Tenant.id == Invoice.tenant_id)
            .where(Invoice.state == "finalized", Invoice.suspended_at.is_(None),
                   Invoice.due_at <= now + timedelta(days=reminder_days))
            .order_by(Invoice.due_at))).all()
    for invoice, slug, state in due:
        try:
            if invoice.reminded_at is None:
                await notify(invoice, slug, "reminder")
                await _stamp(dbs, invoice.id, reminded_at=now)
                done["reminded"] += 1
            elif invoice.due_at is not None and invoice.due_at <= now:
                if state != "active":  # suspended by the provider already: not ours to lift
                    continue
                await set_state(slug, "suspended")
                await _stamp(dbs, invoice.id, suspended_at=now)
                await notify(invoice, slug, "suspended")
                log.warning("billing.tenant_suspended", tenant=slug, invoice=invoice.id)
                done["suspended"] += 1
        except Exception as exc:  # one tenant's failure does not stop the rest
            log.warning("billing.dunning_failed", tenant=slug, invoice=invoice.id,
                        error=str(exc))
    return done


async def _stamp(dbs: Databases, invoice_id: str, **values: datetime) -> None:
    async with dbs.control_session() as control:
        await control.execute(update(Invoice).where(Invoice.id == invoice_id)
                              .values(**values).execution_options(synchronize_session=False))
        await control.commit()


async def after_payment(dbs: Databases, invoice: Invoice, slug: str,
                        set_state: SetState) -> bool:
    """Resume the tenant this paid invoice suspended, if no other unpaid invoice did; whether
    it was resumed."""
    if invoice.suspended_at is None:
        return False
    async with dbs.control_session() as control:
        state = await control.scalar(select(Tenant.state).where(Tenant.id == invoice.tenant_id))
        others = await control.scalar(select(func.count()).select_from(Invoice).where(
            Invoice.tenant_id == invoice.tenant_id, Invoice.state == "finalized",
            Invoice.suspended_at.is_not(None)))
    if state != "suspended" or others:
        return False
    await set_state(slug, "active")
    log.info("billing.tenant_resumed", tenant=slug, invoice=invoice.id)
    return True

"""The Stripe sink: a customer per tenant, a meter event per ledger event, invoice items per
finalized invoice line, with the ``stripe`` library (``ARGUS_STRIPE_API_KEY``;
``ARGUS_STRIPE_API_BASE`` points it at another endpoint, such as the tests' local fake).

Meter events go to ``argus_<meter>`` (the provider creates those meters in Stripe) with a whole
number ``value``: seconds for ``camera_minutes``, bytes for byte meters, the count otherwise;
``identifier`` and the idempotency key are the ledger key, so Stripe drops a resend. Calls run
in a worker thread (the library is synchronous) and the library retries network errors with
the same idempotency key."""

from __future__ import annotations

from typing import Any

import anyio

from argus.billing.invoices import Invoice
from argus.billing.ledger import UsageEvent

BYTES = {"recording", "clip", "stored_byte_hours", "egress_bytes"}
SECONDS = {"camera_minutes"}


def meter_value(event: UsageEvent) -> int:
    if event.meter in BYTES:
        return int(event.bytes)
    if event.meter in SECONDS:
        return round(event.seconds)
    if event.meter == "api_calls":
        return int(event.seconds)  # the row's quantity: calls in the window
    return 1  # cameras_billable, clip_exports: one per event


class StripeSink:
    name = "stripe"

    def __init__(self, api_key: str, api_base: str = "") -> None:
        import stripe

        if not api_key:
            raise ValueError("ARGUS_STRIPE_API_KEY is not set (ARGUS_BILLING_SINK=stripe)")
        bases: Any = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(api_key, base_addresses=bases,
                                          max_network_retries=2)

    async def customer(self, tenant_id: str, slug: str, name: str) -> str:
        created = await anyio.to_thread.run_sync(lambda: self.client.v1.customers.create(
            params={"name": name, "metadata": {"argus_tenant": tenant_id, "slug": slug}},
            options={"idempotency_key": f"argus-customer-{tenant_id}"}))
        return str(created.id)

    async def usage(self, customer: str, event: UsageEvent) -> None:
        key = f"{event.tenant_id}:{event.meter}:{event.idempotency_key}"
        await anyio.to_thread.run_sync(lambda: self.client.v1.billing.meter_events.create(
            params={"event_name": f"argus_{event.meter}", "identifier": key[:100],
                    "timestamp": int(event.created_at.timestamp()),
                    "payload": {"stripe_customer_id": customer,
                                "value": str(meter_value(event))}},
            options={"idempotency_key": key}))

    async def invoice(self, customer: str, invoice: Invoice) -> None:
        def send(index: int, line: dict[str, Any]) -> None:
            self.client.v1.invoice_items.create(
                params={"customer": customer, "amount": line["amount"],
                        "currency": invoice.currency.lower(),
                        "description": f"{invoice.period} {line['description']} "
                                       f"({line['quantity']})",
                        "metadata": {"argus_invoice": invoice.id, "line": str(index)}},
                options={"idempotency_key": f"argus-invoice-{invoice.id}-{index}"})

        for index, line in enumerate(invoice.lines):
            if line["amount"]:
                await anyio.to_thread.run_sync(send, index, line)


def sink_from_settings(sink: str, api_key: str, api_base: str) -> StripeSink | None:
    """The configured sink; ``None`` for ``none``."""
    return StripeSink(api_key, api_base) if sink == "stripe" else None

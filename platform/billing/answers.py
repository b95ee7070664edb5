"""How both invoice APIs answer: JSON by default, CSV (one row per line item) when the client
asks with ``Accept: text/csv`` or ``?format=csv`` (``core.csv_answers``)."""

from __future__ import annotations

from typing import Any

from litestar import Response

from argus.billing.invoices import Invoice, invoice_dict, invoices_csv
from argus.platform.core import csv_answers
from argus.platform.core.csv_answers import wants_csv

__all__ = ["csv_response", "invoice_page", "wants_csv"]


def csv_response(items: list[tuple[Invoice, str]], filename: str) -> Response[str]:
    return csv_answers.csv_response(invoices_csv(items), filename)


def invoice_page(items: list[tuple[Invoice, str]], cursor: str | None) -> dict[str, Any]:
    return {"items": [invoice_dict(*item) for item in items], "next_cursor": cursor}

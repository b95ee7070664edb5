"""How both invoice APIs answer: JSON by default, CSV (one row per line item) when the client
asks with ``Accept: text/csv`` or ``?format=csv``."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from argus.billing.invoices import Invoice, invoice_dict, invoices_csv
from argus.platform.core.errors import Invalid


def wants_csv(request: Request[Any, Any, Any], fmt: str | None) -> bool:
    if fmt not in (None, "json", "csv"):
        raise Invalid("format must be json or csv", field="format")
    return fmt == "csv" or (fmt is None and "text/csv" in request.headers.get("accept", ""))


def csv_response(items: list[tuple[Invoice, str]], filename: str) -> Response[str]:
    return Response(invoices_csv(items), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def invoice_page(items: list[tuple[Invoice, str]], cursor: str | None) -> dict[str, Any]:
    return {"items": [invoice_dict(*item) for item in items], "next_cursor": cursor}

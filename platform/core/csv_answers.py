"""Answers in CSV where a client asks for them (``Accept: text/csv`` or ``?format=csv``):
the invoice and analytics APIs answer JSON otherwise."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from litestar import Request, Response

from argus.platform.core.errors import Invalid


def wants_csv(request: Request[Any, Any, Any], fmt: str | None) -> bool:
    if fmt not in (None, "json", "csv"):
        raise Invalid("format must be json or csv", field="format")
    return fmt == "csv" or (fmt is None and "text/csv" in request.headers.get("accept", ""))


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def csv_response(text: str, filename: str) -> Response[str]:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})

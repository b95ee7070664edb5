"""structlog set-up: JSON lines (or console lines for a terminal), one event per request."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


def configure_logging(json: bool = True, level: str = "info") -> None:
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr,
                        format="%(levelname)s %(name)s %(message)s")
    # asyncmy reports server notes (e.g. "table exists") as warnings: not ours to act on.
    logging.getLogger("asyncmy").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def log_fields(scope: Any) -> dict[str, Any]:
    """The dict a request's handlers add log fields to (tenant resolution adds ``tenant``);
    the request log middleware writes them with the request's line."""
    fields: dict[str, Any] = scope.setdefault("argus_log", {})
    return fields

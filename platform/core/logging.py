"""structlog set-up: JSON lines (or console lines for a terminal), one event per request.

Libraries' own stdlib log records (uvicorn, arq, SQLAlchemy) go through the same renderer, so
every line a process writes to stderr is one JSON object. Fields bound with
``structlog.contextvars`` (``node`` in a node agent, ``job_id`` while a job runs) appear on
every line logged under them."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


def configure_logging(json: bool = True, level: str = "info") -> None:
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer]))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(max(numeric, logging.WARNING))
    # asyncmy reports server notes (e.g. "table exists") as warnings: not ours to act on.
    logging.getLogger("asyncmy").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def log_fields(scope: Any) -> dict[str, Any]:
    """The dict a request's handlers add log fields to (tenant resolution adds ``tenant``);
    the request log middleware writes them with the request's line."""
    fields: dict[str, Any] = scope.setdefault("argus_log", {})
    return fields

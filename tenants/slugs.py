"""Tenant slug and domain rules."""

from __future__ import annotations

import re

from argus.platform.core.errors import Invalid

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{2,39}$")
RESERVED = frozenset({
    "www", "api", "admin", "provider", "internal", "static", "assets", "app", "apps", "mail",
    "smtp", "imap", "pop", "ftp", "cdn", "media", "hls", "live", "rtmp", "rtsp", "ingest",
    "stream", "streams", "status", "docs", "help", "support", "billing", "metrics", "health",
    "healthz", "readyz", "login", "auth", "sso", "oauth", "control", "system", "root", "test",
    "localhost", "dashboard", "console", "portal", "ws", "events", "webhooks", "argus",
})
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise Invalid("slug must be 3-40 characters of a-z, 0-9 and '-', starting with a letter",
                      field="slug")
    if slug.endswith("-") or "--" in slug:
        raise Invalid("slug must not end with '-' or contain '--'", field="slug")
    if slug in RESERVED:
        raise Invalid(f"slug {slug!r} is reserved", field="slug")
    return slug


def normalize_host(host: str) -> str:
    """Lower-case, port stripped, one trailing dot tolerated."""
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]", 1)[0] + "]"
    host = host.rsplit(":", 1)[0] if ":" in host else host
    return host[:-1] if host.endswith(".") else host


def validate_domain(domain: str, field: str = "domains") -> str:
    value = normalize_host(domain) if isinstance(domain, str) else ""
    labels = value.split(".")
    if (not value or len(value) > 253 or len(labels) < 2
            or not all(_LABEL_RE.match(label) for label in labels)
            or labels[-1].isdigit()):
        raise Invalid(f"{domain!r} is not a valid domain name", field=field)
    return value


def schema_for(slug: str) -> str:
    return "argus_t_" + slug.replace("-", "_")

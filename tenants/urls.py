"""The absolute URLs Argus hands out: always on a tenant's canonical host, never the Host header.

A tenant's canonical host is its primary custom domain (the oldest verified one) or else
``<slug>.<ARGUS_BASE_DOMAIN>``. Scheme and port are the deployment's: ``ARGUS_PUBLIC_URL_TEMPLATE``
(e.g. ``https://{host}:8443``) when set, else ``ARGUS_PUBLIC_SCHEME`` (default: the request's
scheme, which a trusted proxy's ``X-Forwarded-Proto`` sets) and ``ARGUS_PUBLIC_PORT`` (default:
none). A mail link, a download URL or a share link built while the request carried a hostile
Host header therefore still points at the tenant.
"""

from __future__ import annotations

from argus.platform.core.settings import HttpSettings
from argus.tenants.context import TenantContext

_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_host(http: HttpSettings, tenant: TenantContext) -> str:
    return tenant.primary_domain or f"{tenant.slug}.{http.base_domain}"


def public_base_url(http: HttpSettings, host: str, request_scheme: str | None = None) -> str:
    """``scheme://host[:port]`` for a host of this deployment, without a trailing slash."""
    if http.public_url_template:
        return http.public_url_template.format(host=host).rstrip("/")
    scheme = http.public_scheme or {"wss": "https", "ws": "http"}.get(
        request_scheme or "", request_scheme or "http")
    port = http.public_port
    suffix = f":{port}" if port and port != _DEFAULT_PORTS.get(scheme) else ""
    return f"{scheme}://{host}{suffix}"


def tenant_base_url(http: HttpSettings, tenant: TenantContext,
                    request_scheme: str | None = None) -> str:
    return public_base_url(http, canonical_host(http, tenant), request_scheme)

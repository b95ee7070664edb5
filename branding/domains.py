"""Custom domains a tenant adds itself, and their verification.

``add`` creates a ``pending`` domain with a random token; the tenant proves control by either
publishing a TXT record ``_argus-challenge.<domain>`` with the token, or serving the token at
``http://<domain>/.well-known/argus-challenge/<token>``. ``verify`` tries both (DNS first) and
leaves the domain ``verified`` or ``failed`` with a reason; a failed domain can be verified
again. A cron rechecks pending domains every few minutes for 72 hours, then fails them.
Only verified domains resolve to the tenant (``tenants.resolution``). Several tenants may
claim the same domain while none has verified it (a pending or failed claim blocks nobody):
the first to prove control holds it, and the other tenants' claims are dropped then. At most
one tenant holds a domain verified (a unique index, not only this code, says so).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

import dns.asyncresolver
import dns.exception
import dns.resolver
import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from argus.billing.plans import Limits
from argus.billing.quotas import check_domains
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.errors import Conflict, Forbidden, Invalid, NotFound
from argus.platform.core.settings import DomainSettings
from argus.tenants.models import Tenant, TenantDomain
from argus.tenants.slugs import validate_domain

log = structlog.get_logger("argus.domains")
CHALLENGE_LABEL = "_argus-challenge"
WELL_KNOWN = "/.well-known/argus-challenge/"
MAX_PER_TENANT = 20
PENDING_FOR = timedelta(hours=72)  # how long the periodic recheck keeps trying


class DomainCheckFailed(Exception):
    """Why a verification attempt did not prove control (shown to the tenant)."""


def dns_record_name(domain: str) -> str:
    return f"{CHALLENGE_LABEL}.{domain}"


class DomainChecker:
    """The two proofs of control, with a resolver the settings choose."""

    def __init__(self, settings: DomainSettings) -> None:
        self.settings = settings
        resolver = dns.asyncresolver.Resolver(configure=not settings.nameservers)
        if settings.nameservers:
            hosts, ports = [], set()
            for entry in settings.nameservers:
                host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
                hosts.append(host)
                ports.add(int(port) if port else 53)
            resolver.nameservers = hosts
            resolver.port = ports.pop() if len(ports) == 1 else 53
        resolver.lifetime = settings.timeout
        self.resolver = resolver

    async def txt_values(self, domain: str) -> list[str]:
        try:
            answer = await self.resolver.resolve(dns_record_name(domain), "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            raise DomainCheckFailed(f"DNS lookup failed: {type(exc).__name__}") from None
        return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]

    async def check_dns(self, domain: str, token: str) -> None:
        values = await self.txt_values(domain)
        if token not in values:
            raise DomainCheckFailed(
                f"no TXT record {dns_record_name(domain)} with the token"
                + (f" (found {len(values)} other value(s))" if values else ""))

    async def address(self, domain: str) -> str:
        try:
            answer = await self.resolver.resolve(domain, "A")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            raise DomainCheckFailed(f"{domain} has no A record") from None
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            raise DomainCheckFailed(f"DNS lookup failed: {type(exc).__name__}") from None
        address = answer[0].address
        ip = ipaddress.ip_address(address)
        if not self.settings.allow_private and (not ip.is_global or ip.is_multicast):
            raise DomainCheckFailed(f"{domain} points to a non-public address")
        return address

    async def check_http(self, domain: str, token: str) -> None:
        address = await self.address(domain)
        url = f"http://{address}:{self.settings.http_port}{WELL_KNOWN}{token}"
        try:
            async with httpx.AsyncClient(timeout=self.settings.timeout,
                                         follow_redirects=False, trust_env=False) as client:
                async with client.stream("GET", url, headers={"Host": domain}) as response:
                    body = b""
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > 1024:
                            break
        except httpx.HTTPError as exc:
            raise DomainCheckFailed(f"HTTP check failed: {type(exc).__name__}") from None
        if response.status_code != 200 or body.strip()[:1024] != token.encode():
            raise DomainCheckFailed(
                f"http://{domain}{WELL_KNOWN}<token> answered {response.status_code}"
                + ("" if response.status_code != 200 else " without the token"))


class DomainService:
    def __init__(self, dbs: Databases, checker: DomainChecker,
                 notify: Callable[[str], Awaitable[None]], base_domain: str) -> None:
        self.dbs = dbs
        self.checker = checker
        self.notify = notify
        self.base_domain = base_domain

    async def list(self, tenant_id: str) -> list[TenantDomain]:
        async with self.dbs.control_session() as session:
            rows = await session.scalars(select(TenantDomain)
                                         .where(TenantDomain.tenant_id == tenant_id)
                                         .order_by(TenantDomain.domain))
            return list(rows)

    async def get(self, tenant_id: str, domain: str) -> TenantDomain:
        domain = validate_domain(domain, field="domain")
        async with self.dbs.control_session() as session:
            row = await session.get(TenantDomain, (domain, tenant_id))
        if row is None:
            raise NotFound("no such domain for this tenant", field="domain")
        return row

    async def add(self, tenant_id: str, domain: str, limits: Limits | None = None
                  ) -> tuple[TenantDomain, bool]:
        """The pending domain (and whether it is new); adding it again returns it as it is.
        ``limits``: the tenant's plan, whose ``custom_domains`` counts every domain it has
        (those the provider set included)."""
        if not isinstance(domain, str):
            raise Invalid("domain must be a domain name", field="domain")
        domain = validate_domain(domain, field="domain")
        if domain == self.base_domain or domain.endswith("." + self.base_domain):
            raise Invalid(f"names under {self.base_domain} are the platform's own",
                          field="domain")
        async with self.dbs.control_session() as session:
            claims = list(await session.scalars(select(TenantDomain)
                                                .where(TenantDomain.domain == domain)))
            mine = next((c for c in claims if c.tenant_id == tenant_id), None)
            if mine is not None:
                return mine, False
            if any(c.state == "verified" or c.source == "provider" for c in claims):
                raise Conflict("this domain belongs to another tenant", field="domain",
                               code="domain_taken")
            count = len((await session.scalars(select(TenantDomain.domain).where(
                TenantDomain.tenant_id == tenant_id))).all())
            if count >= MAX_PER_TENANT:
                raise Invalid(f"a tenant has at most {MAX_PER_TENANT} domains", field="domain")
            if limits is not None:
                check_domains(limits, count + 1)
            row = TenantDomain(domain=domain, tenant_id=tenant_id, state="pending",
                               source="tenant", token=secrets.token_urlsafe(24),
                               created_at=utcnow())
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:  # added at the same moment by someone else
                await session.rollback()
                return await self.add(tenant_id, domain, limits)
            return row, True

    async def verify(self, tenant_id: str, domain: str, slug: str,
                     quiet: bool = False) -> TenantDomain:
        """Try both proofs now. ``quiet`` (the periodic recheck): a failed attempt leaves the
        domain ``pending`` rather than ``failed``, since the tenant may not be done yet."""
        row = await self.get(tenant_id, domain)
        if row.state == "verified":
            return row
        reasons = []
        for check in (self.checker.check_dns, self.checker.check_http):
            try:
                await check(row.domain, row.token or "")
            except DomainCheckFailed as exc:
                reasons.append(str(exc))
                continue
            reasons = []
            break
        async with self.dbs.control_session() as session:
            # Lock every claim on the domain: two tenants verifying at once queue up here.
            claims = list(await session.scalars(
                select(TenantDomain).where(TenantDomain.domain == row.domain)
                .with_for_update().execution_options(populate_existing=True)))
            row = next((c for c in claims if c.tenant_id == tenant_id), None)
            if row is None:
                raise NotFound("no such domain for this tenant", field="domain")
            row.checked_at = utcnow()
            if not reasons and any(c.state == "verified" for c in claims if c is not row):
                reasons = ["another tenant verified this domain first"]
                quiet = False
            if reasons:
                row.state = "pending" if quiet else "failed"
                row.reason = "; ".join(reasons)[:300]
            else:
                row.state, row.reason, row.verified_at = "verified", None, utcnow()
                for other in claims:  # the proof of control wins over the stale claims
                    if other is not row:
                        await session.delete(other)
            await session.commit()
        log.info("domains.checked", domain=row.domain, state=row.state)
        if row.state == "verified":
            await self.notify(slug)
        return row

    async def delete(self, tenant_id: str, domain: str, slug: str) -> None:
        domain = validate_domain(domain, field="domain")
        async with self.dbs.control_session() as session:
            row = await session.get(TenantDomain, (domain, tenant_id))
            if row is None:
                raise NotFound("no such domain for this tenant", field="domain")
            if row.source != "tenant":
                raise Forbidden("this domain was set by the provider; ask them to remove it",
                                code="provider_domain")
            await session.delete(row)
            await session.commit()
        await self.notify(slug)

    async def recheck_pending(self, give_up_after: timedelta = PENDING_FOR) -> dict[str, int]:
        """Verify domains still pending (the TXT record may have appeared since); a domain
        pending longer than ``give_up_after`` fails with a reason instead."""
        now = utcnow()
        async with self.dbs.control_session() as session:
            rows = (await session.execute(
                select(TenantDomain, Tenant.slug).join(Tenant, Tenant.id == TenantDomain.tenant_id)
                .where(TenantDomain.state == "pending", TenantDomain.source == "tenant")
                .order_by(TenantDomain.created_at).limit(500))).all()
        counts = {"verified": 0, "failed": 0, "pending": 0}
        for row, slug in rows:
            if now - row.created_at > give_up_after:
                async with self.dbs.control_session() as session:
                    stale = await session.get(TenantDomain, (row.domain, row.tenant_id))
                    if stale is not None and stale.state == "pending":
                        stale.state, stale.checked_at = "failed", now
                        stale.reason = ("not verified within 72 hours: publish the record, "
                                        "then verify again")
                        await session.commit()
                counts["failed"] += 1
                continue
            try:
                checked = await self.verify(row.tenant_id, row.domain, slug, quiet=True)
            except NotFound:  # removed meanwhile
                continue
            counts[checked.state] += 1
        return counts

    async def allowed_for_tls(self, domain: str) -> bool:
        """Whether a certificate may be issued for ``domain`` (verified domains only)."""
        try:
            domain = validate_domain(domain, field="domain")
        except Invalid:
            return False
        async with self.dbs.control_session() as session:
            row = await session.scalar(select(TenantDomain.domain).where(
                TenantDomain.verified_domain == domain))
        return row is not None

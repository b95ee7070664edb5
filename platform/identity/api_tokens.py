"""API tokens: create (secret shown once), list, revoke, and authenticate a request with one.

A token acts as its owner with at most its scopes: the effective permissions are the token's
scopes intersected with what the owner's *current* role allows in the tenant (the role matrix
plus the tenant's grants), so demoting or disabling the owner, or withdrawing a grant, shrinks
or kills the token at once. Creating a token for someone else needs
``tokens:manage``, and scopes may never exceed the creator's own permissions either.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address, ip_network

from litestar.types import Scope
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.alerts.announce import announce
from argus.platform.audit.service import Audit
from argus.platform.core.db import Databases, utcnow
from argus.platform.core.errors import Forbidden, Invalid, NotFound, Unauthorized
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.jobs import Jobs
from argus.platform.core.permissions import ALL_GRANTS, PERMISSIONS, role_permissions
from argus.platform.core.principal import Principal
from argus.platform.identity.models import ApiToken, User
from argus.platform.identity.state import TOKEN_CACHE_SECONDS, CachedApiToken, Identity
from argus.platform.identity.tokens import API_TOKEN_RE, new_api_token, same_digest
from argus.tenants.context import TenantContext

LAST_USED_GRANULARITY = timedelta(seconds=60)
MAX_TOKENS_PER_USER = 100


async def authenticate_api_token(identity: Identity, dbs: Databases, scope: Scope,
                                 tenant: TenantContext, token: str,
                                 fresh: bool = False) -> Principal:
    """The principal an API token stands for; cached per process for a few seconds."""
    key = (tenant.id, token)
    now = time.time()
    entry = None if fresh else identity.api_tokens.get(key)
    if entry is None or now - entry.cached_at > TOKEN_CACHE_SECONDS:
        entry = await _load_api_token(dbs, tenant, token, now)
        identity.api_tokens[key] = entry
    if entry.expires_at is not None and entry.expires_at.timestamp() <= now:
        identity.api_tokens.pop(key, None)
        raise Unauthorized("API token is revoked or expired", code="invalid_token")
    if entry.ip_allowlist:
        ip = scope_client_ip(scope)
        if ip is None or not any(ip_address(ip) in net for net in entry.ip_allowlist):
            raise Forbidden("this token may not be used from your address",
                            code="ip_not_allowed")
    principal = entry.principal
    allowed = principal.permissions & role_permissions(principal.role, tenant.role_grants)
    if allowed != principal.permissions:
        principal = dataclasses.replace(principal, permissions=allowed)
    if now - entry.last_used_written > LAST_USED_GRANULARITY.total_seconds():
        async with dbs.tenant_session(tenant) as session:
            await session.execute(update(ApiToken).where(ApiToken.id == entry.token_id)
                                  .values(last_used_at=utcnow()))
            await session.commit()
        entry.last_used_written = now
    return principal


async def _load_api_token(dbs: Databases, tenant: TenantContext, token: str,
                          now: float) -> CachedApiToken:
    prefix = API_TOKEN_RE.match(token).group(1)
    async with dbs.tenant_session(tenant) as session:
        found = (await session.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.prefix == prefix))).first()
    if found is None or not same_digest(found[0].secret_hash, token):
        raise Unauthorized("API token is not valid", code="invalid_token")
    row, owner = found
    if row.revoked_at is not None or (row.expires_at is not None
                                      and row.expires_at.timestamp() <= now):
        raise Unauthorized("API token is revoked or expired", code="invalid_token")
    if owner.state != "active":
        raise Unauthorized("the token's owner is not active", code="invalid_token")
    permissions = frozenset(row.scopes) & role_permissions(owner.role, ALL_GRANTS)
    allowlist = tuple(ip_network(n) for n in row.ip_allowlist or ())
    principal = Principal(kind="token", user_id=owner.id, label=row.name, role=owner.role,
                          permissions=permissions, token_id=row.id, expires_at=row.expires_at,
                          issued_ms=int(now * 1000), ip_allowlist=allowlist)
    last_used = row.last_used_at.timestamp() if row.last_used_at else 0.0
    return CachedApiToken(principal=principal, token_id=row.id, expires_at=row.expires_at,
                          ip_allowlist=allowlist, cached_at=now, last_used_written=last_used)


def _clean_scopes(scopes: object) -> list[str]:
    if not isinstance(scopes, list) or not scopes or len(scopes) > len(PERMISSIONS):
        raise Invalid("scopes must be a non-empty list of permissions", field="scopes")
    unknown = [s for s in scopes if s not in PERMISSIONS]
    if unknown:
        raise Invalid(f"unknown scope(s): {', '.join(map(str, unknown))}", field="scopes")
    return sorted(set(scopes))


def _clean_allowlist(cidrs: object) -> list[str] | None:
    if cidrs is None:
        return None
    if not isinstance(cidrs, list) or len(cidrs) > 50:
        raise Invalid("ip_allowlist must be a list of at most 50 CIDRs", field="ip_allowlist")
    try:
        return [str(ip_network(c, strict=False)) for c in cidrs]
    except (ValueError, TypeError):
        raise Invalid("ip_allowlist holds an invalid CIDR", field="ip_allowlist") from None


class ApiTokenService:
    def __init__(self, session: AsyncSession, principal: Principal, audit: Audit,
                 identity: Identity, tenant: TenantContext, jobs: Jobs | None = None) -> None:
        self.session = session
        self.jobs = jobs  # queues the api_token.created event's deliveries (else: the sweeps)
        self.principal = principal
        self.audit = audit
        self.identity = identity
        self.tenant = tenant
        self.tenant_id = tenant.id

    async def list(self, user_id: str | None = None) -> list[ApiToken]:
        query = select(ApiToken).where(ApiToken.revoked_at.is_(None)).order_by(
            ApiToken.created_at.desc())
        if not self.principal.can("tokens:manage"):
            query = query.where(ApiToken.user_id == self.principal.user_id)
        elif user_id:
            query = query.where(ApiToken.user_id == user_id)
        return list(await self.session.scalars(query.limit(500)))

    async def create(self, name: object, scopes: object, expires_at: datetime | None,
                     ip_allowlist: object, user_id: str | None) -> tuple[ApiToken, str]:
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
            raise Invalid("name must be 1-100 characters", field="name")
        wanted = _clean_scopes(scopes)
        allowlist = _clean_allowlist(ip_allowlist)
        if expires_at is not None:
            if expires_at.tzinfo is None:
                raise Invalid("expires_at needs a time zone (use UTC, e.g. ...Z)",
                              field="expires_at")
            if expires_at <= datetime.now(UTC):
                raise Invalid("expires_at must be in the future", field="expires_at")
        expires_at, allowlist = self._within_creator(expires_at, allowlist)
        owner_id = user_id or self.principal.user_id
        if owner_id != self.principal.user_id and not self.principal.can("tokens:manage"):
            raise Forbidden("creating tokens for other users needs tokens:manage",
                            field="user_id")
        owner = await self.session.get(User, owner_id)
        if owner is None:
            raise NotFound("user not found", field="user_id")
        if owner.state != "active":
            raise Invalid("the token's owner must be an active user", field="user_id")
        ceiling = self.principal.permissions & role_permissions(owner.role,
                                                                self.tenant.role_grants)
        beyond = [s for s in wanted if s not in ceiling]
        if beyond:
            raise Forbidden(f"scopes beyond your or the owner's role: {', '.join(beyond)}",
                            field="scopes")
        count = len(list(await self.session.scalars(
            select(ApiToken.id).where(ApiToken.user_id == owner.id,
                                      ApiToken.revoked_at.is_(None)))))
        if count >= MAX_TOKENS_PER_USER:
            raise Invalid("this user has too many tokens; revoke some first", field="user_id")
        secret, prefix, secret_hash = new_api_token()
        row = ApiToken(name=name.strip(), prefix=prefix, secret_hash=secret_hash, scopes=wanted,
                       user_id=owner.id, created_by=self.principal.user_id,
                       ip_allowlist=allowlist, expires_at=expires_at)
        self.session.add(row)
        await self.session.flush()
        self.audit.record("api_tokens.create", "api_token", row.id,
                          detail={"scopes": wanted, "owner": owner.id})
        announced = await announce(self.session, "api_token.created", {
            "token_id": row.id, "name": row.name, "prefix": prefix, "scopes": wanted,
            "user_id": owner.id, "created_by": self.principal.user_id,
            "expires_at": expires_at})
        await self.session.commit()
        if self.jobs:
            await announced.dispatch(self.jobs, self.tenant_id)
        return row, secret

    def _within_creator(self, expires_at: datetime | None, allowlist: list[str] | None
                        ) -> tuple[datetime | None, list[str] | None]:
        """A token created with an API token never outlives it nor reaches further: no later
        expiry, no address outside its allowlist (both default to the creator's)."""
        creator = self.principal
        if creator.kind != "token":
            return expires_at, allowlist
        if creator.expires_at is not None:
            if expires_at is None:
                expires_at = creator.expires_at
            elif expires_at > creator.expires_at:
                raise Forbidden("expires_at is later than the creating token's expiry",
                                field="expires_at")
        if creator.ip_allowlist:
            if allowlist is None:
                allowlist = [str(n) for n in creator.ip_allowlist]
            for cidr in allowlist:
                net = ip_network(cidr)
                if not any(net.version == p.version and net.subnet_of(p)
                           for p in creator.ip_allowlist):
                    raise Forbidden(f"{cidr} is outside the creating token's ip_allowlist",
                                    field="ip_allowlist")
        return expires_at, allowlist

    async def revoke(self, token_id: str) -> None:
        row = await self.session.get(ApiToken, token_id)
        if row is None or row.revoked_at is not None or (
                row.user_id != self.principal.user_id
                and not self.principal.can("tokens:manage")):
            raise NotFound("API token not found", field="id")
        row.revoked_at = utcnow()
        self.audit.record("api_tokens.revoke", "api_token", row.id)
        await self.identity.mark_token_revoked(self.tenant_id, row.id)
        await self.session.commit()

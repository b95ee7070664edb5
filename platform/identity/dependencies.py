"""Dependencies of identity routes: the caller, the request's audit recorder, the services."""

from __future__ import annotations

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.service import Audit, RequestMeta
from argus.platform.core.di import Provided
from argus.platform.core.errors import Unauthorized
from argus.platform.core.forwarded import scope_client_ip
from argus.platform.core.jobs import Jobs
from argus.platform.core.mail import Mailer
from argus.platform.core.principal import Principal
from argus.platform.core.settings import Settings
from argus.platform.identity.api_tokens import ApiTokenService
from argus.platform.identity.auth import AuthService
from argus.platform.identity.state import Identity
from argus.platform.identity.users import UserService
from argus.tenants.context import TenantContext
from argus.tenants.requests import scope_tenant
from argus.tenants.urls import tenant_base_url


async def provide_base_url(request: Request, settings: Provided[Settings]) -> str:
    """``base_url``: where links point, the request tenant's canonical host (never the Host
    header)."""
    return tenant_base_url(settings.http, scope_tenant(request.scope),
                           request.scope.get("scheme"))


async def provide_principal(request: Request) -> Principal:
    principal = request.scope.get("user")
    if not isinstance(principal, Principal):
        raise Unauthorized("authentication required")
    return principal


async def provide_audit(request: Request, db_session: NamedDependency[AsyncSession]) -> Audit:
    principal = request.scope.get("user")
    return Audit(db_session, principal if isinstance(principal, Principal) else None,
                 RequestMeta(ip=scope_client_ip(request.scope),
                             user_agent=request.headers.get("user-agent")))


async def provide_auth_service(db_session: NamedDependency[AsyncSession],
                               tenant: NamedDependency[TenantContext],
                               audit: NamedDependency[Audit], identity: Provided[Identity],
                               mailer: Provided[Mailer]) -> AuthService:
    return AuthService(db_session, tenant, identity, audit, mailer)


async def provide_user_service(request: Request, db_session: NamedDependency[AsyncSession],
                               auth_service: NamedDependency[AuthService],
                               audit: NamedDependency[Audit],
                               mailer: Provided[Mailer], jobs: Provided[Jobs]) -> UserService:
    principal = request.scope.get("user")
    return UserService(db_session, auth_service,
                       principal if isinstance(principal, Principal) else None, audit, mailer,
                       jobs)


async def provide_token_service(db_session: NamedDependency[AsyncSession],
                                principal: NamedDependency[Principal],
                                tenant: NamedDependency[TenantContext],
                                audit: NamedDependency[Audit],
                                identity: Provided[Identity],
                                jobs: Provided[Jobs]) -> ApiTokenService:
    return ApiTokenService(db_session, principal, audit, identity, tenant, jobs)


IDENTITY_DEPENDENCIES = {
    "principal": Provide(provide_principal),
    "base_url": Provide(provide_base_url),
    "audit": Provide(provide_audit),
    "auth_service": Provide(provide_auth_service),
    "user_service": Provide(provide_user_service),
    "token_service": Provide(provide_token_service),
}

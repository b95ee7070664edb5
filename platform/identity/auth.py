"""Sign-in, token refresh with rotation, sign-out, password resets and invite acceptance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.audit.service import Audit
from argus.platform.core.db import utcnow
from argus.platform.core.errors import Forbidden, Invalid, RateLimited, Unauthorized
from argus.platform.core.mail import Mailer
from argus.platform.core.permissions import LOGIN_ROLES
from argus.platform.core.principal import Principal
from argus.platform.identity.models import OneTimeToken, RefreshToken, User
from argus.platform.identity.passwords import check_policy
from argus.platform.identity.state import Identity
from argus.platform.identity.tokens import new_opaque, same_digest, split_opaque
from argus.platform.observability.series import LOGIN_FAILURES, RATE_LIMITED
from argus.tenants.context import TenantContext

log = structlog.get_logger("argus.auth")
BAD_LOGIN = "e-mail or password is wrong"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user: User


def normalize_email(email: object, field: str = "email") -> str:
    value = email.strip().lower() if isinstance(email, str) else ""
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or len(value) > 254 or any(
            c.isspace() for c in value):
        raise Invalid("a valid e-mail address is required", field=field)
    return value


class AuthService:
    def __init__(self, session: AsyncSession, tenant: TenantContext, identity: Identity,
                 audit: Audit, mailer: Mailer | None = None) -> None:
        self.session = session
        self.tenant = tenant
        self.identity = identity
        self.audit = audit
        self.mailer = mailer

    # --- sign-in ---------------------------------------------------------------------------

    async def login(self, email: object, password: object) -> TokenPair:
        email = normalize_email(email)
        if not isinstance(password, str) or len(password) > 1024:
            raise Invalid("password is required", field="password")
        ip = self.audit.meta.ip or "unknown"
        account = f"{self.tenant.id}:{email}"
        throttle = self.identity.throttle
        wait, places = await throttle.attempt(ip, account)  # counted before the check
        if wait > 0:
            LOGIN_FAILURES.labels("locked_out").inc()
            RATE_LIMITED.labels("login").inc()
            raise RateLimited("too many failed sign-ins; try again later",
                                headers={"Retry-After": str(int(wait) + 1)})
        user = await self.session.scalar(select(User).where(User.email == email))
        ok = await self.identity.passwords.verify(user.password_hash if user else None, password)
        if not ok or user is None or user.state != "active" or user.role not in LOGIN_ROLES:
            reason = ("bad_password" if not ok else "not_active" if user.state != "active"
                      else "role_cannot_sign_in")
            LOGIN_FAILURES.labels(reason).inc()
            self.audit.record("auth.login", "user", user.id if user else None, result="failure",
                              detail={"reason": reason},
                              actor=("user" if user else "anonymous",
                                     user.id if user else None, email))
            await self.session.commit()
            if ok:  # the password was right: the attempt is no failure
                await throttle.succeeded(ip, account)
            locked = await throttle.failed(ip, account, places) if not ok else 0
            if locked:
                raise RateLimited("too many failed sign-ins; try again later",
                                    headers={"Retry-After": str(int(locked) + 1)})
            raise Unauthorized(BAD_LOGIN, code="bad_credentials")
        await throttle.succeeded(ip, account)
        # Lock the user row first: concurrent sign-ins of one user then queue up instead of
        # deadlocking on the refresh token's foreign-key check.
        values: dict = {"last_login_at": utcnow()}
        if self.identity.passwords.needs_rehash(user.password_hash or ""):
            values["password_hash"] = await self.identity.passwords.hash(password)
        await self.session.execute(update(User).where(User.id == user.id).values(**values))
        pair = await self._issue(user, family_id=str(uuid.uuid4()))
        self.audit.record("auth.login", "user", user.id, actor=("user", user.id, user.email))
        await self.session.commit()
        return pair

    async def _issue(self, user: User, family_id: str) -> TokenPair:
        settings = self.identity.settings
        token, token_id, secret_hash = new_opaque()
        self.session.add(RefreshToken(
            id=token_id, family_id=family_id, user_id=user.id, secret_hash=secret_hash,
            expires_at=utcnow() + timedelta(seconds=settings.refresh_ttl)))
        access, _claims = self.identity.tokens().issue(self.tenant.id, user.id, user.role,
                                                       user.email, family_id)
        return TokenPair(access, settings.access_ttl, token, settings.refresh_ttl, user)

    # --- refresh -----------------------------------------------------------------------------

    async def refresh(self, presented: object) -> TokenPair:
        parts = split_opaque(presented)
        if parts is None:
            raise Invalid("refresh_token is not valid", field="refresh_token")
        token_id, secret = parts
        row = await self.session.get(RefreshToken, token_id)
        if row is None or not same_digest(row.secret_hash, secret):
            raise Unauthorized("refresh token is not valid", code="invalid_token")
        now = utcnow()
        if row.revoked_at is not None or row.expires_at <= now:
            raise Unauthorized("refresh token is no longer valid", code="invalid_token")
        # Atomic claim: only one caller can turn an unused link into a used one.
        claimed = await self.session.execute(
            update(RefreshToken).where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
            .values(used_at=now))
        if claimed.rowcount != 1:
            await self.revoke_family(row.family_id, row.user_id)
            self.audit.record("auth.refresh_reuse", "user", row.user_id, result="failure",
                              actor=("user", row.user_id, None),
                              detail={"family_id": row.family_id})
            await self.session.commit()
            log.warning("auth.refresh_reuse", tenant=self.tenant.slug, user_id=row.user_id)
            raise Unauthorized("refresh token was already used; the session is revoked",
                               code="invalid_token")
        user = await self.session.get(User, row.user_id)
        if user is None or user.state != "active" or user.role not in LOGIN_ROLES:
            raise Unauthorized("the account cannot sign in", code="invalid_token")
        pair = await self._issue(user, family_id=row.family_id)
        self.audit.record("auth.refresh", "user", user.id, actor=("user", user.id, user.email))
        await self.session.commit()
        return pair

    async def revoke_family(self, family_id: str, user_id: str) -> None:
        await self.session.execute(
            update(RefreshToken).where(RefreshToken.family_id == family_id,
                                       RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow()))
        # Access tokens of this family die with it; others of the user are unaffected.
        await self.identity.revoke_family(self.tenant.id, family_id)

    # --- sign-out ----------------------------------------------------------------------------

    async def logout(self, principal: Principal) -> None:
        if principal.family_id:
            await self.revoke_family(principal.family_id, principal.user_id)
        if principal.jti and principal.expires_at:
            left = (principal.expires_at - datetime.now(UTC)).total_seconds()
            await self.identity.deny_jti(self.tenant.id, principal.jti, left)
        self.audit.record("auth.logout", "user", principal.user_id)
        await self.session.commit()

    # --- one-time links ------------------------------------------------------------------------

    async def issue_link(self, user: User, purpose: str) -> str:
        ttl = (self.identity.settings.invite_ttl if purpose == "invite"
               else self.identity.settings.reset_ttl)
        # A new link replaces older unused ones of the same purpose.
        await self.session.execute(
            update(OneTimeToken).where(OneTimeToken.user_id == user.id,
                                       OneTimeToken.purpose == purpose,
                                       OneTimeToken.used_at.is_(None))
            .values(used_at=utcnow()))
        token, token_id, secret_hash = new_opaque()
        self.session.add(OneTimeToken(id=token_id, user_id=user.id, purpose=purpose,
                                      secret_hash=secret_hash,
                                      expires_at=utcnow() + timedelta(seconds=ttl)))
        return token

    async def request_reset(self, email: object, base_url: str) -> None:
        """Mail a reset link if the account exists; the answer never says whether it does.

        Budgeted per client address (20 an hour) and per address asked for (3 an hour), so the
        endpoint cannot be used to flood someone's mailbox.
        """
        email = normalize_email(email)
        await self.identity.spend(f"reset-ip:{self.audit.meta.ip}", 20, 3600)
        await self.identity.spend(f"reset-acct:{self.tenant.id}:{email}", 3, 3600)
        user = await self.session.scalar(select(User).where(User.email == email))
        if user is None or user.state != "active" or user.role not in LOGIN_ROLES:
            self.audit.record("auth.password_reset_requested", "user", None, result="ignored",
                              actor=("anonymous", None, email))
            await self.session.commit()
            return
        token = await self.issue_link(user, "reset")
        self.audit.record("auth.password_reset_requested", "user", user.id,
                          actor=("user", user.id, user.email))
        await self.session.commit()
        if self.mailer:
            await self.mailer.send_branded(
                self.tenant.id, user.email, "Reset your {product} password",
                f"Set a new password: {base_url}/reset#token={token}\n"
                "The link works once, within an hour.")

    async def _consume(self, presented: object, purpose: str) -> User:
        parts = split_opaque(presented)
        if parts is None:
            raise Invalid("token is not valid", field="token")
        row = await self.session.get(OneTimeToken, parts[0])
        now = utcnow()
        if (row is None or row.purpose != purpose or row.used_at is not None
                or row.expires_at <= now or not same_digest(row.secret_hash, parts[1])):
            raise Invalid("the link is not valid or has expired", field="token")
        claimed = await self.session.execute(
            update(OneTimeToken).where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
            .values(used_at=now))
        if claimed.rowcount != 1:
            raise Invalid("the link is not valid or has expired", field="token")
        user = await self.session.get(User, row.user_id)
        if user is None:
            raise Invalid("the link is not valid or has expired", field="token")
        return user

    async def confirm_reset(self, token: object, new_password: object) -> None:
        password = check_policy(new_password, "new_password")
        user = await self._consume(token, "reset")
        if user.state != "active":
            raise Forbidden("the account is not active")
        await self.set_password(user, password)
        self.audit.record("auth.password_reset", "user", user.id,
                          actor=("user", user.id, user.email))
        await self.session.commit()

    async def accept_invite(self, token: object, password: object, name: object = None) -> User:
        password = check_policy(password)
        user = await self._consume(token, "invite")
        if user.state != "invited":
            raise Invalid("the invite was already accepted", field="token")
        if name is not None:
            if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
                raise Invalid("name must be 1-200 characters", field="name")
            user.name = name.strip()
        user.state = "active"
        await self.set_password(user, password)
        self.audit.record("users.invite_accepted", "user", user.id,
                          actor=("user", user.id, user.email))
        await self.session.commit()
        return user

    async def set_password(self, user: User, password: str) -> None:
        """New hash, every session of the user ends (refresh families and access tokens)."""
        user.password_hash = await self.identity.passwords.hash(password)
        user.updated_at = utcnow()
        await self.session.execute(
            update(RefreshToken).where(RefreshToken.user_id == user.id,
                                       RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow()))
        await self.identity.revoke_user_tokens(self.tenant.id, user.id)


async def count_active_admins(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(User)
                                .where(User.role == "admin", User.state == "active")) or 0

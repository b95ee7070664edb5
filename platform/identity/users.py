"""Tenant users: invite, list, change role or state, delete, change one's own password.

The last active admin can be neither demoted, disabled nor deleted: a tenant always keeps
someone who can manage it. Role and state changes end the user's current sessions.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from argus.platform.alerts.announce import announce
from argus.platform.audit.service import Audit
from argus.platform.core.db import like_pattern, utcnow
from argus.platform.core.errors import Conflict, Invalid, NotFound
from argus.platform.core.jobs import Jobs
from argus.platform.core.mail import Mailer
from argus.platform.core.pagination import decode_cursor, encode_cursor
from argus.platform.core.permissions import ROLES
from argus.platform.core.principal import Principal
from argus.platform.identity.auth import AuthService, count_active_admins, normalize_email
from argus.platform.identity.models import User
from argus.platform.identity.passwords import check_policy


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        raise Invalid("name must be 1-200 characters", field="name")
    return name.strip()


def _clean_role(role: object) -> str:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", field="role")
    return role  # type: ignore[return-value]


class UserService:
    def __init__(self, session: AsyncSession, auth: AuthService, principal: Principal | None,
                 audit: Audit, mailer: Mailer | None, jobs: Jobs | None = None) -> None:
        self.session = session
        self.auth = auth
        self.principal = principal
        self.audit = audit
        self.mailer = mailer
        self.jobs = jobs  # queues the user.created event's deliveries (else: the sweeps)

    async def get(self, user_id: str) -> User:
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound("user not found", field="id")
        return user

    async def list(self, *, role: str | None = None, state: str | None = None,
                   q: str | None = None, cursor: str | None = None,
                   limit: int = 50) -> tuple[list[User], str | None]:
        query = select(User).order_by(User.email).limit(limit + 1)
        if role:
            query = query.where(User.role == role)
        if state:
            query = query.where(User.state == state)
        if q:
            like = like_pattern(q)
            query = query.where(or_(User.email.like(like), User.name.like(like)))
        if cursor:
            after = decode_cursor(cursor)[0]
            if "@" not in after:
                raise Invalid("cursor is not valid", field="cursor")
            query = query.where(User.email > after)
        rows = list(await self.session.scalars(query))
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor(rows[limit - 1].email)
        return rows[:limit], next_cursor

    async def create(self, email: object, name: object, role: object, password: object = None,
                     base_url: str | None = None) -> User:
        """Invite (no password: a one-time link is mailed) or create active (with password)."""
        email = normalize_email(email)
        user = User(email=email, name=_clean_name(name), role=_clean_role(role),
                    state="invited")
        if password is not None:
            user.password_hash = await self.auth.identity.passwords.hash(check_policy(password))
            user.state = "active"
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            raise Conflict("a user with this e-mail already exists", field="email") from None
        link = await self.auth.issue_link(user, "invite") if user.state == "invited" else None
        self.audit.record("users.create", "user", user.id, detail={"role": user.role})
        announced = await announce(self.session, "user.created", {
            "user_id": user.id, "role": user.role, "state": user.state})
        await self.session.commit()
        if self.jobs:
            await announced.dispatch(self.jobs, self.auth.tenant.id)
        if link and self.mailer and base_url:
            await self.mailer.send_branded(
                self.auth.tenant.id, user.email, "You are invited to {product}",
                f"Accept the invitation and choose a password: {base_url}/invite#token={link}\n"
                "The link works once, within 7 days.")
        return user

    async def _guard_last_admin(self, user: User, new_role: str | None,
                                new_state: str | None, deleting: bool = False) -> None:
        if user.role != "admin" or user.state != "active":
            return
        loses_admin = deleting or (new_role not in (None, "admin")) or (
            new_state not in (None, "active"))
        if loses_admin and await count_active_admins(self.session) <= 1:
            raise Conflict("the last active admin cannot be demoted, disabled or deleted",
                           field="role" if new_role else "state" if new_state else "id")

    async def update(self, user_id: str, *, name: object = None, role: object = None,
                     state: object = None) -> User:
        user = await self.get(user_id)
        new_role = _clean_role(role) if role is not None else None
        if state is not None and state not in ("active", "disabled"):
            raise Invalid("state can be set to 'active' or 'disabled'", field="state")
        if state == "active" and user.state == "invited":
            raise Invalid("an invited user becomes active by accepting the invite",
                          field="state")
        await self._guard_last_admin(user, new_role, state)  # type: ignore[arg-type]
        changes: dict[str, object] = {}
        if name is not None and _clean_name(name) != user.name:
            user.name = changes["name"] = _clean_name(name)
        if new_role is not None and new_role != user.role:
            user.role = changes["role"] = new_role
        if state is not None and state != user.state:
            user.state = changes["state"] = state
        if not changes:
            return user
        user.updated_at = utcnow()
        self.audit.record("users.update", "user", user.id, detail=changes)
        if "role" in changes or "state" in changes:
            await self.auth.identity.revoke_user_tokens(self.auth.tenant.id, user.id)
        await self.session.commit()
        return user

    async def delete(self, user_id: str) -> None:
        user = await self.get(user_id)
        await self._guard_last_admin(user, None, None, deleting=True)
        await self.session.delete(user)
        self.audit.record("users.delete", "user", user_id, detail={"email": user.email})
        await self.auth.identity.revoke_user_tokens(self.auth.tenant.id, user_id)
        await self.session.commit()

    async def change_password(self, current: object, new: object) -> None:
        assert self.principal is not None
        password = check_policy(new, "new_password")
        user = await self.get(self.principal.user_id)
        if not isinstance(current, str) or not await self.auth.identity.passwords.verify(
                user.password_hash, current):
            raise Invalid("current password is wrong", field="current_password",
                          code="bad_credentials")
        await self.auth.set_password(user, password)
        self.audit.record("users.password_change", "user", user.id)
        await self.session.commit()

"""Password hashing (argon2id) and the password policy.

Hashing costs tens of milliseconds of CPU by design, so it runs in a worker thread. Verifying
against a dummy hash when the account does not exist keeps login timing the same for known and
unknown e-mail addresses.
"""

from __future__ import annotations

from functools import cached_property

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from argus.platform.core.errors import Invalid
from argus.platform.core.settings import AuthSettings

MIN_LENGTH = 10
MAX_LENGTH = 256


def check_policy(password: object, field: str = "password") -> str:
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise Invalid(f"password must be {MIN_LENGTH}-{MAX_LENGTH} characters", field=field)
    if password.strip() == "" or len(set(password)) < 4:
        raise Invalid("password is too simple", field=field)
    return password


class Passwords:
    def __init__(self, settings: AuthSettings) -> None:
        self.hasher = PasswordHasher(time_cost=settings.argon2_time_cost,
                                     memory_cost=settings.argon2_memory_kib,
                                     parallelism=settings.argon2_parallelism)

    @cached_property
    def _dummy(self) -> str:
        return self.hasher.hash("argus-dummy-password-for-timing")

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self.hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        def run() -> bool:
            try:
                return self.hasher.verify(stored or self._dummy, password) and stored is not None
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(run)

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)

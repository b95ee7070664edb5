"""Access tokens (JWT) and the opaque secrets behind refresh, one-time and API tokens.

Access tokens: HS256 only (the algorithm is pinned, never read from the token), header
``typ: at+jwt`` and ``kid``; claims ``iss`` (the deployment), ``aud`` (the tenant id), ``sub``,
``jti``, ``iat``, ``nbf``, ``exp``, plus ``role`` and ``fam`` (the refresh family). The first
secret in ``ARGUS_JWT_SECRETS`` signs; any listed secret verifies, picked by ``kid``.

Opaque tokens are ``<id>.<secret>``: the id finds the row, the secret is compared against a
SHA-256 digest (256 random bits need no stretching).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from argus.platform.core.settings import AuthSettings

ALGORITHM = "HS256"
ACCESS_TYP = "at+jwt"
_OPAQUE_RE = re.compile(r"^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$")
API_TOKEN_RE = re.compile(r"^argus_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


class InvalidToken(Exception):
    """The token is not acceptable; the message says why (for logs, never for clients)."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(stored: str, secret: str) -> bool:
    return hmac.compare_digest(stored, digest(secret))


def new_opaque() -> tuple[str, str, str]:
    """A fresh ``<id>.<secret>`` token: returns (token, id, digest of the secret)."""
    token_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(32)
    return f"{token_id}.{secret}", token_id, digest(secret)


def split_opaque(token: object) -> tuple[str, str] | None:
    match = _OPAQUE_RE.match(token) if isinstance(token, str) else None
    return (match.group(1), match.group(2)) if match else None


def new_api_token() -> tuple[str, str, str]:
    """A fresh API token ``argus_<prefix>_<secret>``: returns (token, prefix, digest)."""
    prefix = secrets.token_hex(6)
    token = f"argus_{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, digest(token)


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    role: str
    jti: str
    family_id: str | None
    expires_at: datetime
    email: str
    issued_ms: int = 0


class AccessTokens:
    def __init__(self, settings: AuthSettings) -> None:
        if not settings.jwt_secrets:
            raise ValueError("ARGUS_JWT_SECRETS is not set: no key to sign access tokens with")
        self.settings = settings
        self.keys = {self.kid(s): s for s in settings.jwt_secrets}
        self.signing_kid = self.kid(settings.jwt_secrets[0])

    @staticmethod
    def kid(secret: str) -> str:
        return hashlib.sha256(b"argus-kid:" + secret.encode()).hexdigest()[:12]

    def issue(self, tenant_id: str, user_id: str, role: str, email: str,
              family_id: str | None) -> tuple[str, AccessClaims]:
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self.settings.access_ttl)
        jti = str(uuid.uuid4())
        issued_ms = int(now.timestamp() * 1000)
        claims = {"iss": self.settings.issuer, "aud": tenant_id, "sub": user_id, "jti": jti,
                  "iat": now, "nbf": now, "exp": expires, "role": role, "email": email,
                  "fam": family_id, "ims": issued_ms}
        token = jwt.encode(claims, self.keys[self.signing_kid], algorithm=ALGORITHM,
                           headers={"typ": ACCESS_TYP, "kid": self.signing_kid})
        return token, AccessClaims(user_id, role, jti, family_id,
                                   expires.replace(microsecond=0), email, issued_ms)

    def verify(self, token: str, tenant_id: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed: {exc}") from None
        if header.get("alg") != ALGORITHM or header.get("typ") != ACCESS_TYP:
            raise InvalidToken("wrong alg or typ")
        key = self.keys.get(header.get("kid", ""))
        if key is None:
            raise InvalidToken("unknown kid")
        try:
            claims = jwt.decode(
                token, key, algorithms=[ALGORITHM], audience=tenant_id,
                issuer=self.settings.issuer, leeway=5,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]})
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        if not isinstance(claims.get("role"), str) or not isinstance(claims.get("sub"), str):
            raise InvalidToken("bad claims")
        return AccessClaims(claims["sub"], claims["role"], claims["jti"], claims.get("fam"),
                            datetime.fromtimestamp(claims["exp"], UTC), claims.get("email", ""),
                            int(claims.get("ims", 0)))

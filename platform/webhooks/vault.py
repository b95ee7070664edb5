"""Endpoint secrets at rest: encrypted (they must sign, so they cannot be hashed) with Fernet
keys from ``ARGUS_WEBHOOK_KEYS`` (comma-separated; the first encrypts, all decrypt, so the key
can be rotated: add a new first key, then ``reseal`` old rows)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class Vault:
    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ValueError("ARGUS_WEBHOOK_KEYS is not set: webhook secrets are encrypted "
                             "with it (make one with: python -c 'from cryptography.fernet "
                             "import Fernet; print(Fernet.generate_key().decode())')")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError:
            raise ValueError("each ARGUS_WEBHOOK_KEYS entry must be a Fernet key "
                             "(32 url-safe base64 bytes)") from None

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError("a webhook secret was sealed with a key that is no longer in "
                             "ARGUS_WEBHOOK_KEYS") from None

    def reseal(self, sealed: str) -> str:
        """The same secret under the first key."""
        return self._fernet.rotate(sealed.encode()).decode()

"""Signed HLS paths for nginx ``secure_link``: ``/s/<kid>.<md5>/<expires>/<stream>/<file>``.

nginx checks ``md5("<expires><stream> <secret>")`` (base64url, no padding) against the token and
the expiry against its clock: a wrong or foreign signature is 403, an expired one 410. The token
covers the stream, not the file, so the playlist's relative segment URLs inherit it.

``ARGUS_HLS_SECRET`` is a comma-separated list, like the JWT keys: the first signs, a node
accepts every one it was given. ``kid`` (from the secret, not secret itself) tells the node which
secret a URL was signed with, so a secret is rotated without breaking the URLs out there
(deploy/README.md, "Rotate secrets").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def secret_list(value: str) -> list[str]:
    """``"new,old"`` -> ``["new", "old"]`` (blanks dropped)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def hls_kid(secret: str) -> str:
    """Eight hex digits naming a secret in URLs and in nginx's configuration."""
    return hashlib.sha256(b"argus-hls-kid:" + secret.encode()).hexdigest()[:8]


def hls_token(secret: str, stream: str, expires: int) -> str:
    digest = hashlib.md5(f"{expires}{stream} {secret}".encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed_hls_path(secret: str, stream: str, file: str = "index.m3u8",
                    ttl: int = 3600, now: float | None = None) -> str:
    return signed_hls(secret, stream, file, ttl, now)[0]


def signed_hls(secret: str, stream: str, file: str = "index.m3u8", ttl: int = 3600,
               now: float | None = None) -> tuple[str, int]:
    """The signed path and its expiry (unix seconds); ``secret`` may be the whole list, the
    first one signs."""
    signing = secret_list(secret)[0]
    expires = int((now if now is not None else time.time()) + ttl)
    token = hls_token(signing, stream, expires)
    return f"/s/{hls_kid(signing)}.{token}/{expires}/{stream}/{file}", expires


def relay_token(node_secret: str, stream: str) -> str:
    """What a node's own RTSP relay shows when it publishes under an internal name: only the
    node's agent (which holds the node secret) can make it, whatever address it comes from."""
    mac = hmac.new(node_secret.encode(), f"relay:{stream}".encode(), hashlib.sha256)
    return mac.hexdigest()[:40]

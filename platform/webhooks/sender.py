"""One delivery attempt over HTTP (aiohttp: a quarter of httpx's CPU per request here, 0.17
against 0.63 ms; ``bench/RESULTS.md``). The target is resolved and checked for
every attempt and the connection goes to the address that passed (Host header and TLS server
name kept, so a name cannot be rebound between the check and the request); no redirects; one
timeout for the whole attempt; at most ``SNIPPET`` bytes of the answer are read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiohttp

from argus.platform.core.db import utcnow
from argus.platform.core.errors import Invalid
from argus.platform.webhooks.schedule import retry_after
from argus.platform.webhooks.signing import headers
from argus.platform.webhooks.targets import resolve

SNIPPET = 1000


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the status (None: no answer), up to ``SNIPPET`` characters of
    the answer, why there was none, and the seconds a ``Retry-After`` asked for."""

    at: datetime
    status: int | None
    snippet: str = ""
    error: str | None = None
    asked: int | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def client(timeout: float) -> aiohttp.ClientSession:
    """The HTTP client of one delivery run (environment proxies ignored)."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout),
                                 trust_env=False, auto_decompress=False)


def _url(scheme: str, address: str, port: int, path: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{scheme}://{host}:{port}{path}"


async def attempt(http: aiohttp.ClientSession, url: str, message_id: str, body: str,
                  secrets: list[str], allow_private: bool) -> Outcome:
    now = utcnow()
    try:
        target = await resolve(url, allow_private)
    except Invalid as exc:
        return Outcome(now, None, error=exc.detail[:300])
    default_port = 443 if target.scheme == "https" else 80
    sent = headers(message_id, now, body, secrets)
    sent.update({"content-type": "application/json", "user-agent": "Argus-Webhooks/1",
                 "host": target.host if target.port == default_port
                 else f"{target.host}:{target.port}"})
    try:
        async with http.post(_url(target.scheme, target.address, target.port, target.path),
                             data=body.encode(), headers=sent, allow_redirects=False,
                             server_hostname=target.host if target.scheme == "https"
                             else None) as answer:
            snippet = (await answer.content.read(SNIPPET)).decode("utf-8", "replace")
            return Outcome(now, answer.status, snippet,
                           asked=retry_after(answer.headers.get("retry-after"), now))
    except TimeoutError:
        return Outcome(now, None, error="TimeoutError: no answer within the timeout")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return Outcome(now, None, error=f"{type(exc).__name__}: {exc}"[:300])

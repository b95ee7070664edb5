"""The provider API over HTTP with the standard library (light to import).

Every answer of 400 or more becomes an ``ApiError`` with the API's ``code``, ``detail`` and
``field``; a control plane that cannot be reached is ``ApiError(0, "unreachable", ...)``. A
``*.localhost`` host is connected on 127.0.0.1 (RFC 6761) with its name in the Host header, as
browsers and curl do, so the demo's ``http://provider.localhost:8000`` works as it is. A busy
answer (503) is retried a few times."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import quote, urlsplit

RETRIES = 5


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.field = status, code, detail, field


def segment(value: str) -> str:
    """One path segment, escaped."""
    return quote(value, safe="")


class Client:
    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError(0, "bad_url", f"url must be http(s)://host[:port], not {url!r}",
                           "url")
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout
        self.https = parts.scheme == "https"
        self.host_header = parts.netloc
        self.port = parts.port or (443 if self.https else 80)
        name = parts.hostname
        self.connect_to = "127.0.0.1" if name == "localhost" or name.endswith(
            ".localhost") else name
        self.base = parts.path

    def call(self, method: str, path: str, body: Any = None) -> Any:
        for attempt in range(RETRIES):
            status, data = self._once(method, path, body)
            if status == 503 and attempt + 1 < RETRIES:
                time.sleep(0.5 * (attempt + 1))
                continue
            break
        payload: Any = None
        if data:
            try:
                payload = json.loads(data)
            except ValueError:
                payload = None
        if status >= 400:
            if not isinstance(payload, dict):
                raise ApiError(status, "http_error", f"{method} {path}: HTTP {status}")
            raise ApiError(status, str(payload.get("code") or "error"),
                           str(payload.get("detail") or f"HTTP {status}"), payload.get("field"))
        return payload

    def _once(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        conn = kind(self.connect_to, self.port, timeout=self.timeout)
        headers = {"Host": self.host_header, "Authorization": f"Bearer {self.token}",
                   "Accept": "application/json", "User-Agent": "terraform-provider-argus"}
        raw = None
        if body is not None:
            raw = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, self.base + path, body=raw, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except OSError as exc:
            raise ApiError(0, "unreachable",
                           f"cannot reach the Argus provider API at {self.url}: {exc}") from None
        finally:
            conn.close()

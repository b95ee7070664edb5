"""The real ``argus serve`` over TCP, where in-process tests cannot look: the raw Host header,
forwarded headers from a trusted proxy, the scheme, and the links built meanwhile."""

from __future__ import annotations

import re
import socket

import httpx
import pytest

from tests.e2e.stack import LiveStack
from tests.integration.conftest import PASSWORD


@pytest.fixture
def server(tmp_path, tmp_root):
    stack = LiveStack(tmp_path, tmp_root, ARGUS_TRUSTED_PROXIES="127.0.0.1/32",
                      ARGUS_PUBLIC_URL_TEMPLATE="https://{host}:8443",
                      ARGUS_MAIL_TRANSPORT="log")
    stack.start_server()
    yield stack
    stack.close()


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_hostile_host_is_refused_and_links_name_the_canonical_host(server, tenant_a):
    body = f'{{"email": "{tenant_a.emails["admin"]}"}}'.encode()
    hostile = _raw(server.api_port, (
        b"POST /api/v1/auth/password-reset HTTP/1.1\r\n"
        + f"Host: {tenant_a.slug}.localhost:@evil.example\r\n".encode()
        + b"Content-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode() + body))
    assert hostile.startswith(b"HTTP/1.1 400"), hostile[:200]
    assert b'"bad_host"' in hostile and b"evil.example" not in hostile.split(b"\r\n\r\n")[1]

    # A valid but odd Host (another port): the mailed link still names the canonical host.
    odd = httpx.post(f"{server.api}/api/v1/auth/password-reset",
                     headers={"Host": f"{tenant_a.slug}.localhost:666"},
                     json={"email": tenant_a.emails["admin"]}, timeout=10)
    assert odd.status_code == 202
    log = server.logs["server"].read_text()
    links = re.findall(r"(https?://[^\s\"\\]+/reset#token=)", log)
    assert links and set(links) == {f"https://{tenant_a.slug}.localhost:8443/reset#token="}
    assert "evil.example" not in log.split("mail.sent", 1)[-1]


def test_a_trusted_proxy_says_https_and_who_the_client_is(server, tenant_a):
    def cookie_login(headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{server.api}/api/v1/auth/login",
                          headers={"Host": tenant_a.host, **headers}, timeout=10,
                          json={"email": tenant_a.emails["admin"], "password": PASSWORD,
                                "cookie": True})

    secure = cookie_login({"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.20"})
    assert secure.status_code == 200, secure.text
    assert all("Secure" in c for c in secure.headers.get_list("set-cookie"))
    plain = cookie_login({})
    assert not any("Secure" in c for c in plain.headers.get_list("set-cookie"))
    # The audit log records the client the proxy named, read over every header line.
    token = secure.json()["access_token"]
    audit = httpx.get(f"{server.api}/api/v1/audit-logs", timeout=10,
                      params={"action": "auth.login"},
                      headers={"Host": tenant_a.host, "Authorization": f"Bearer {token}"})
    assert audit.status_code == 200, audit.text
    assert "198.51.100.20" in {e.get("ip") for e in audit.json()["items"]}

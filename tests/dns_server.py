"""A real DNS server on 127.0.0.1 for the tests (UDP, answered by dnspython).

``records`` maps ``(name, type)`` to a list of values, e.g. ``("_argus-challenge.cams.x.test",
"TXT"): ["token"]`` or ``("cams.x.test", "A"): ["127.0.0.1"]``; it can change while running.
"""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class LocalDns:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        values = self.records.get((name, kind))
        if values:
            texts = [f'"{v}"' if kind == "TXT" else v for v in values]
            response.answer.append(dns.rrset.from_text_list(question.name, 30, "IN", kind,
                                                            texts))
        elif not any(n == name for n, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()

    def _serve(self) -> None:
        while True:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(wire), peer)
            except Exception:  # a malformed query gets no answer, like a real server's drop
                continue

    def close(self) -> None:
        self.sock.close()

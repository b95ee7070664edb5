"""A small local stand-in for the parts of Stripe's API the billing sink uses (customers,
billing meter events, invoice items), on 127.0.0.1, in a thread.

It keeps every request, answers a repeated ``Idempotency-Key`` with the first answer (as
Stripe does) and counts it as a replay, and can fail the next N requests with a 500."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class StripeFake:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], str | None]] = []
        self.answers: dict[str, bytes] = {}
        self.replays = 0
        self.fail_next = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", 0))
                form = dict(parse_qsl(self.rfile.read(size).decode()))
                key = self.headers.get("Idempotency-Key")
                status, body = fake.handle(self.path, form, key)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def handle(self, path: str, form: dict[str, str], key: str | None) -> tuple[int, bytes]:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500, json.dumps({"error": {"type": "api_error",
                                                  "message": "injected"}}).encode()
            if key is not None and key in self.answers:
                self.replays += 1
                return 200, self.answers[key]
            self.requests.append((path, form, key))
            n = len(self.requests)
            if path == "/v1/customers":
                answer = {"id": f"cus_{n}", "object": "customer", "name": form.get("name")}
            elif path == "/v1/billing/meter_events":
                answer = {"object": "billing.meter_event", "event_name": form["event_name"],
                          "identifier": form["identifier"], "payload": {}}
            elif path == "/v1/invoiceitems":
                answer = {"id": f"ii_{n}", "object": "invoiceitem",
                          "amount": int(form["amount"])}
            else:
                return 404, json.dumps({"error": {"type": "invalid_request_error",
                                                  "message": f"no {path}"}}).encode()
            body = json.dumps(answer).encode()
            if key is not None:
                self.answers[key] = body
            return 200, body

    def accepted(self, path: str) -> list[dict[str, str]]:
        return [form for p, form, _ in self.requests if p == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

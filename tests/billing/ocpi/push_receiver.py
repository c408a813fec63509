"""A partner's OCPI receiver interfaces on 127.0.0.1, for the outbox and push tests.

It keeps every call (method, path, headers, JSON body) and answers each with
what ``respond`` says: by default an OCPI success. Tests make it fail on
purpose by setting ``respond``.
"""

import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from billing.models import OcpiPartner
from tests.billing.ocpi.conftest import registered_partner
from tests.fake_http import FakeHttpServer, JsonHandler

MODULES = ("sessions", "cdrs", "locations", "tariffs", "commands")


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def ok(call: Call) -> tuple[int, dict, float]:
    return 200, {"status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"}, 0.0


class Receiver(FakeHttpServer):
    def __init__(self):
        self.calls: list[Call] = []
        self.respond = ok  # (call) -> (HTTP status, body, seconds to sleep first)
        self.lock = threading.Lock()
        receiver = self

        class Handler(JsonHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                call = Call(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw) if raw else None,
                )
                with receiver.lock:
                    receiver.calls.append(call)
                status, body, pause = receiver.respond(call)
                if pause:
                    time.sleep(pause)
                with contextlib.suppress(OSError):  # the caller may have given up waiting
                    self.answer(status, body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        super().__init__(Handler)

    def url(self, module: str) -> str:
        return f"{self.base}/ocpi/2.2.1/{module}"

    def partner(
        self,
        name: str = "Roaming eMSP",
        country_code: str = "NL",
        party_id: str = "EMS",
        *,
        modules: tuple[str, ...] = MODULES,
        token_c: str | None = None,
    ) -> OcpiPartner:
        """A registered partner whose receiver endpoints (``modules``) are this server."""
        partner = registered_partner(
            name,
            country_code,
            party_id,
            (f"token-b-{party_id}", token_c or f"token-c-{party_id}-0123456789"),
            "emsp.example.com",
        )
        partner.endpoints = [
            {"identifier": module, "role": "RECEIVER", "url": self.url(module)}
            for module in modules
        ]
        partner.save(update_fields=["endpoints"])
        return partner

    def of(self, module: str) -> list[Call]:
        prefix = f"/ocpi/2.2.1/{module}"
        return [call for call in self.calls if call.path.startswith(prefix)]


def token_b_header(partner: OcpiPartner) -> str:
    return "Token " + base64.b64encode(partner.token_b.encode()).decode()

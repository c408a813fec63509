"""An eMSP on 127.0.0.1 for end-to-end roaming tests: the other side of our CPO role.

It registers with our CSMS (credentials §7.2.2), pushes its tokens (tokens
§12.2.2), sends commands (commands §13.2.1), answers our real-time
authorizations (tokens §12.2.2.2, as it is told) and receives what we push:
sessions, CDRs, locations, tariffs and command results. Every request we
make to it is kept (method, path, query, headers, JSON body) for the tests
to look at; only one with its token B (Base64, transport §4.1.2) is served,
anything else gets 401. It fails on demand: the next requests to a path
answer 500, or are answered only after a pause longer than our timeout.
"""

import base64
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from tests.fake_http import FakeHttpServer, JsonHandler
from tests.waiting import wait_until

VERSION = "2.2.1"
# How long one call to our CSMS may take (seconds): longer than a patient
# server waits on a charger (tests/server.py).
CALL_TIMEOUT = 120


def now_ocpi() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def token_header(token: str) -> str:
    """OCPI 2.2.1 transport §4.1.2: ``Token <base64 of the token>``."""
    return "Token " + base64.b64encode(token.encode()).decode("ascii")


@dataclass(frozen=True)
class Received:
    """One request our CSMS made to the eMSP."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    authorized: bool
    at: float = field(default_factory=time.monotonic)

    @property
    def parts(self) -> list[str]:
        """The path after /ocpi/2.2.1/, split: ["sessions", "DE", "CSM", "<id>"]."""
        return self.path.removeprefix(f"/ocpi/{VERSION}/").strip("/").split("/")

    @property
    def module(self) -> str:
        return self.parts[0]


@dataclass
class Failure:
    """What the next ``times`` requests to paths starting with ``prefix`` get."""

    prefix: str
    times: int
    mode: str  # "500", or "slow": answered only after ``seconds``
    seconds: float = 0.0
    # Only requests it matches fail (all under ``prefix`` when None).
    match: Callable[["Received"], bool] | None = None


class Emsp(FakeHttpServer):
    """An eMSP's OCPI 2.2.1 API and client. Use it as a context manager."""

    def __init__(self, *, country_code: str, party_id: str, name: str = "Test eMSP"):
        self.country_code = country_code
        self.party_id = party_id
        self.name = name
        self.token_b = f"emsp-b-{party_id.lower()}-{secrets.token_hex(8)}"
        self.token_c: str | None = None
        self.our_endpoints: dict[tuple[str, str], str] = {}
        # Its tokens as it last pushed them, by uid: its authorize answers carry them.
        self.tokens: dict[str, dict] = {}
        # What its authorize endpoint answers, by token uid (AuthorizationInfo
        # fields besides the token); ALLOWED without a reference otherwise.
        self.authorize_answers: dict[str, dict] = {}
        self._received: list[Received] = []
        self._failures: list[Failure] = []
        self._lock = threading.Lock()
        self._result_numbers = itertools.count(1)
        emsp = self

        class Handler(JsonHandler):
            def _serve(self, method: str) -> None:
                emsp._handle(self, method)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PUT(self):
                self._serve("PUT")

            def do_PATCH(self):
                self._serve("PATCH")

            def do_DELETE(self):
                self._serve("DELETE")

        super().__init__(Handler)
        self.versions_url = f"{self.base}/ocpi/versions"

    # -- its server side ---------------------------------------------------------

    @staticmethod
    def envelope(data: Any = None, *, code: int = 1000, message: str = "Success") -> dict:
        body = {"status_code": code, "status_message": message, "timestamp": now_ocpi()}
        if data is not None:
            body["data"] = data
        return body

    def details(self) -> dict:
        base = f"{self.base}/ocpi/{VERSION}"
        return {
            "version": VERSION,
            "endpoints": [
                {"identifier": "credentials", "role": "SENDER", "url": f"{base}/credentials"},
                {"identifier": "tokens", "role": "SENDER", "url": f"{base}/tokens"},
                {"identifier": "commands", "role": "SENDER", "url": f"{base}/commands"},
                {"identifier": "sessions", "role": "RECEIVER", "url": f"{base}/sessions"},
                {"identifier": "cdrs", "role": "RECEIVER", "url": f"{base}/cdrs"},
                {"identifier": "locations", "role": "RECEIVER", "url": f"{base}/locations"},
                {"identifier": "tariffs", "role": "RECEIVER", "url": f"{base}/tariffs"},
            ],
        }

    def credentials(self) -> dict:
        return {
            "token": self.token_b,
            "url": self.versions_url,
            "roles": [
                {
                    "role": "EMSP",
                    "party_id": self.party_id,
                    "country_code": self.country_code,
                    "business_details": {"name": self.name},
                }
            ],
        }

    def _handle(self, handler: JsonHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = {"unreadable": raw.decode(errors="replace")}
        authorized = handler.headers.get("Authorization") == token_header(self.token_b)
        request = Received(
            method=method,
            path=url.path,
            query=parse_qs(url.query),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            authorized=authorized,
        )
        with self._lock:
            self._received.append(request)
            failure = None
            if authorized:
                failure = next(
                    (
                        f
                        for f in self._failures
                        if url.path.startswith(f.prefix) and (f.match is None or f.match(request))
                    ),
                    None,
                )
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
        if not authorized:
            return handler.answer(401, self.envelope(code=2000, message="Unknown token"))
        if failure is not None and failure.mode == "500":
            return handler.answer(500, {"error": "the eMSP is failing on purpose"})
        if failure is not None:
            time.sleep(failure.seconds)
        status, data, headers = self._route(request)
        payload = json.dumps(data).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # A slow answer: the caller gave up waiting, as it should.
            pass

    def _route(self, request: Received) -> tuple[int, dict, dict[str, str]]:
        method, parts = request.method, request.parts
        if request.path.rstrip("/") == "/ocpi/versions" and method == "GET":
            url = f"{self.base}/ocpi/{VERSION}"
            return 200, self.envelope([{"version": VERSION, "url": url}]), {}
        if request.path.rstrip("/") == f"/ocpi/{VERSION}" and method == "GET":
            return 200, self.envelope(self.details()), {}
        module = parts[0]
        if module == "credentials" and method == "GET":
            return 200, self.envelope(self.credentials()), {}
        # Tokens sender §12.2.2.2: POST {token_uid}/authorize[?type=...].
        if module == "tokens" and method == "POST" and len(parts) == 3 and parts[2] == "authorize":
            return 200, self.envelope(self._authorization(parts[1], request.body)), {}
        receivers = {
            "sessions": ({"PUT", "PATCH"}, 4),
            "locations": ({"PUT", "PATCH"}, None),
            "tariffs": ({"PUT", "DELETE"}, 4),
        }
        if module in receivers:
            methods, length = receivers[module]
            if method in methods and (length is None or len(parts) == length):
                return 200, self.envelope(), {}
        # CDRs receiver §10.2.2: the answer says where the eMSP keeps the CDR.
        if module == "cdrs" and method == "POST" and len(parts) == 1:
            cdr_id = (request.body or {}).get("id", "unknown")
            location = f"{self.base}/ocpi/{VERSION}/cdrs/{quote(str(cdr_id), safe='')}"
            return 200, self.envelope(), {"Location": location}
        if parts[:2] == ["commands", "results"] and method == "POST" and len(parts) == 3:
            return 200, self.envelope(), {}
        return 404, self.envelope(code=2003, message="Unknown location"), {}

    def _authorization(self, uid: str, location: Any) -> dict:
        answer = {"allowed": "ALLOWED", **self.authorize_answers.get(uid, {})}
        info = {"token": self.tokens.get(uid, {"uid": uid}), **answer}
        if isinstance(location, dict) and location.get("location_id"):
            info["location"] = location
        return info

    # -- failing on demand ------------------------------------------------------

    def fail(
        self,
        prefix: str,
        *,
        times: int,
        mode: str = "500",
        seconds: float = 0.0,
        match: Callable[[Received], bool] | None = None,
    ) -> None:
        """The next ``times`` requests to paths starting with ``prefix`` (e.g.
        "/ocpi/2.2.1/sessions"), of those ``match`` accepts, answer 500, or
        (mode "slow") only after ``seconds``."""
        assert mode in {"500", "slow"}
        failure = Failure(prefix=prefix, times=times, mode=mode, seconds=seconds, match=match)
        with self._lock:
            self._failures.append(failure)

    # -- what it received -------------------------------------------------------

    def received(self, predicate: Callable[[Received], bool] = lambda r: True) -> list[Received]:
        with self._lock:
            received = list(self._received)
        # Outside the lock: a predicate may look at what was received too.
        return [request for request in received if predicate(request)]

    def wait_for(
        self, predicate: Callable[[Received], bool], *, timeout: float, what: str
    ) -> Received:
        """The first received request matching ``predicate``, once there is one."""
        found = wait_until(
            lambda: self.received(predicate),
            timeout=timeout,
            what=lambda: f"{self.name}: {what}; received {self.summary()}",
        )
        return found[0]

    def summary(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.received()]

    # -- its client side: calls to our CSMS ----------------------------------------

    def call(self, method: str, url: str, body: Any = None, *, token: str | None = None):
        """A call to our CSMS with token C (or ``token``): (HTTP status, decoded body)."""
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": token_header(token or self.token_c or ""),
                "Content-Type": "application/json",
                "X-Request-ID": secrets.token_hex(8),
                "X-Correlation-ID": secrets.token_hex(8),
                "OCPI-from-country-code": self.country_code,
                "OCPI-from-party-id": self.party_id,
            },
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw or b"{}")
            except ValueError:
                return error.code, {"raw": raw.decode(errors="replace")[:500]}

    def register(self, versions_url: str, token_a: str) -> dict:
        """Credentials §7.2.2 as an eMSP does it: read our versions and details with
        token A, POST its credentials there; keep token C. Returns our Credentials."""
        status, versions = self.call("GET", versions_url, token=token_a)
        assert status == 200 and versions["status_code"] == 1000, versions
        (details_url,) = [v["url"] for v in versions["data"] if v["version"] == VERSION]
        status, details = self.call("GET", details_url, token=token_a)
        assert status == 200 and details["status_code"] == 1000, details
        self.our_endpoints = {
            (e["identifier"], e["role"]): e["url"] for e in details["data"]["endpoints"]
        }
        url = self.our_endpoints[("credentials", "SENDER")]
        status, answer = self.call("POST", url, self.credentials(), token=token_a)
        assert status == 200 and answer["status_code"] == 1000, answer
        self.token_c = answer["data"]["token"]
        return answer["data"]

    def our(self, module: str, role: str = "RECEIVER") -> str:
        """Our endpoint for ``module`` as our version details listed it."""
        return self.our_endpoints[(module, role)].rstrip("/")

    def token(self, uid: str, *, type: str = "RFID", whitelist: str = "ALLOWED", **extra) -> dict:
        """One of its Tokens (tokens §12.3.2)."""
        return {
            "country_code": self.country_code,
            "party_id": self.party_id,
            "uid": uid,
            "type": type,
            "contract_id": f"{self.country_code}-{self.party_id}-C{uid[-8:]}",
            "issuer": self.name,
            "valid": True,
            "whitelist": whitelist,
            "last_updated": now_ocpi(),
            **extra,
        }

    def token_push(self, uid: str, **fields) -> tuple[int, dict]:
        """Tokens receiver §12.2.1.2: PUT {country_code}/{party_id}/{uid}?type=..."""
        token = self.token(uid, **fields)
        self.tokens[uid] = token
        url = (
            f"{self.our('tokens')}/{self.country_code}/{self.party_id}/"
            f"{quote(uid, safe='')}?type={token['type']}"
        )
        return self.call("PUT", url, token)

    def response_url(self) -> str:
        return f"{self.base}/ocpi/{VERSION}/commands/results/{next(self._result_numbers)}"

    def command(self, command: str, body: dict) -> tuple[int, dict, str]:
        """Commands receiver §13.2.1: POST {command}, its result awaited at a
        ``response_url`` of its own. Returns the status, the body and that URL."""
        response_url = self.response_url()
        status, answer = self.call(
            "POST", f"{self.our('commands')}/{command}", {"response_url": response_url, **body}
        )
        return status, answer, response_url

    def session_start(
        self, uid: str, *, location_id: str, evse_uid: str, authorization_reference: str
    ) -> tuple[int, dict, str]:
        """START_SESSION (commands §13.3.5) for one of its tokens, at one EVSE."""
        return self.command(
            "START_SESSION",
            {
                "token": self.tokens[uid],
                "location_id": location_id,
                "evse_uid": evse_uid,
                "authorization_reference": authorization_reference,
            },
        )

    def session_stop(self, session_id: str) -> tuple[int, dict, str]:
        """STOP_SESSION (commands §13.3.6)."""
        return self.command("STOP_SESSION", {"session_id": session_id})

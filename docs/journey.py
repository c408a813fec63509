"""The driver journey of the README, run against a real server, printed as markdown.

Register, find a charger (nearby, and by the printed EVSE id a QR code holds),
price it with an estimate, start (with an Idempotency-Key, and the retry the
key makes safe), follow the live socket, stop, and read the receipt. Every
request is printed as the curl command that makes it, every answer as it
came (long lists and nested objects shortened with "…", and said so).

Run against `make run` with a charger that waits for commands, e.g.

    DEBUG=1 .venv/bin/python manage.py simulate_chargers --count 1 --remote \\
        --duration 600 --location DEMO-LOC-1 --tariff DEMO-AC-STANDARD
    .venv/bin/python docs/journey.py --base http://127.0.0.1:9000 > journey.md

Needs only the standard library and `websockets` (in the project's venv).
"""

import argparse
import json
import queue
import random
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from websockets.sync.client import connect

ELLIPSIS = "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:9000", help="the server's URL")
    parser.add_argument(
        "--show-base", default=None, help="the server's URL as printed (default: --base)"
    )
    parser.add_argument("--chargepoint", default="SIM-0001")
    parser.add_argument("--connector", type=int, default=1)
    parser.add_argument("--latitude", default="52.52")
    parser.add_argument("--longitude", default="13.405")
    parser.add_argument("--radius", default="5", help="km")
    parser.add_argument("--phone", default=None, help="default: a random +6681234xxxx")
    parser.add_argument("--password", default="a long secret 42")
    parser.add_argument("--id-tag", default=None, help="default: a random APP-xxxxxxxx")
    parser.add_argument("--energy-kwh", default="20")
    parser.add_argument("--duration-minutes", default="60")
    parser.add_argument("--charge-seconds", type=float, default=8.0, help="before the stop")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for a state")
    args = parser.parse_args()
    journey = Journey(args)
    try:
        journey.run()
    except Stop as stop:
        print(f"\nJOURNEY STOPPED: {stop}", file=sys.stderr)
        return 1
    return 0


class Stop(Exception):
    """Something did not go as the journey says: the transcript stops here."""


class Journey:
    def __init__(self, args):
        self.args = args
        self.base = args.base.rstrip("/")
        self.api = self.base + "/api/v1"
        self.token = None
        self.session_id = None
        self.stopped = False
        self.phone = args.phone or "+668123" + "".join(random.choices("0123456789", k=5))
        self.id_tag = args.id_tag or "APP-" + uuid.uuid4().hex[:8].upper()

    # --- printing -------------------------------------------------------

    def say(self, text: str = "") -> None:
        if "\n" in text or text.startswith("```"):
            print(text)
        else:
            print(textwrap.fill(text, 78, break_long_words=False, break_on_hyphens=False))

    def block(self, lang: str, text: str) -> None:
        print(f"```{lang}\n{text.rstrip()}\n```")

    def curl(self, method, path, body=None, headers=None, token=False):
        """The curl command a reader types for this request ($API and $TOKEN as set above)."""
        parts = ["curl -s"]
        if method not in ("GET", "POST") or (method == "POST" and body is None):
            parts.append(f"-X {method}")
        if token:
            parts.append('-H "Authorization: Token $TOKEN"')
        for name, value in (headers or {}).items():
            parts.append(f'-H "{name}: {value}"')
        if body is not None:
            parts.append('-H "Content-Type: application/json"')
            parts.append(f"-d '{json.dumps(body, ensure_ascii=False)}'")
        url = path if path.startswith("ws") else f'"$API{path}"'
        line = " ".join(parts) + " " + url
        if len(line) > 88:
            line = " \\\n    ".join([" ".join(parts[:2]), *parts[2:], url])
        return line

    def answer(self, status, reason, data, shown_headers=(), note=""):
        head = f"{status} {reason}"
        for name, value in shown_headers:
            head += f"\n{name}: {value}"
        text = head if data is None else head + "\n\n" + pretty(data)
        self.block("", text)
        if note:
            self.say()
            self.say(note)
        self.say()

    # --- HTTP -----------------------------------------------------------

    def call(self, method, path, body=None, headers=None, token=False):
        url = path if path.startswith("http") else self.api + path
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status, reason, head = (
                    response.read(),
                    response.status,
                    response.reason,
                    response.headers,
                )
        except urllib.error.HTTPError as error:
            raw, status, reason, head = error.read(), error.code, error.reason, error.headers
        parsed = json.loads(raw) if raw else None
        return status, reason, head, parsed

    def step(
        self,
        method,
        path,
        body=None,
        headers=None,
        token=False,
        expect=None,
        show=(),
        shorten=None,
        note="",
    ):
        """One request, printed with its answer; Stop when the status is not the expected."""
        status, reason, head, data = self.call(method, path, body, headers, token)
        self.block("sh", self.curl(method, path, body, headers, token))
        shown = [(name, head[name]) for name in show if head.get(name) is not None]
        self.answer(status, reason, shorten(data) if shorten else data, shown, note)
        if expect is not None and status not in expect:
            raise Stop(f"{method} {path} answered {status}, not {expect}: {json.dumps(data)}")
        return status, head, data

    # --- the journey ----------------------------------------------------

    def run(self):
        a = self.args
        cp, n = a.chargepoint, a.connector
        self.say("```sh")
        self.say(f"API={(self.args.show_base or self.base).rstrip('/')}/api/v1")
        self.say("```")
        self.say()

        self.say(
            "**1. Register** (or log in: `POST /auth/login/`, same answer). The token "
            "is this device's; every later call sends it."
        )
        self.say()
        _, _, data = self.step(
            "POST",
            "/auth/register/",
            {"phone_number": self.phone, "password": a.password},
            expect={201},
            shorten=lambda d: {**d, "token": d["token"][:8] + ELLIPSIS},
        )
        self.token = data["token"]
        self.say("```sh\nTOKEN=" + self.token[:8] + "…   # the token of the answer\n```")
        self.say()
        self.say(
            "An id tag to charge with (the app's virtual card; a driver's RFID card "
            "is added the same way):"
        )
        self.say()
        self.step("POST", "/id-tags/", {"id_token": self.id_tag}, token=True, expect={201})

        self.say(
            "**2. Find** a charger near the driver: locations within "
            f"{a.radius} km, nearest first, each with its charge points, their "
            "connectors' status and the tariffs (no token needed)."
        )
        self.say()
        query = urllib.parse.urlencode(
            {"latitude": a.latitude, "longitude": a.longitude, "radius": a.radius}
        )
        _, _, found = self.step(
            "GET",
            f"/locations/?{query}",
            expect={200},
            shorten=lambda d: shorten_locations(d, cp),
            note="(Shortened: the other charge points, the tariff's details and all but a "
            "few of the connector's fields, shown whole by the QR lookup below, are "
            "cut to `…`.)",
        )
        evse_id = find_evse_id(found, cp, n)
        if evse_id is None:
            raise Stop(f"{cp} connector {n} is not in the nearby search's answer")
        self.say(
            "Or the driver scans the QR code on the charger, which holds its printed "
            "EVSE id (`*` sent as `%2A`; case, the `*`s, spaces and dashes may be "
            "left out):"
        )
        self.say()
        quoted = urllib.parse.quote(evse_id, safe="")
        _, _, evse = self.step("GET", f"/evses/{quoted}/", expect={200})
        price_url = evse["connectors"][0]["price_url"]

        self.say(
            "**3. Price**: the tariff a session starting now would be priced with, in "
            "numbers and in words, and what a given energy and time would cost "
            "(computed by the same engine as the receipt):"
        )
        self.say()
        query = urllib.parse.urlencode(
            {"energy_kwh": a.energy_kwh, "duration_minutes": a.duration_minutes}
        )
        self.step(
            "GET",
            price_url.removeprefix("/api/v1") + "?" + query,
            expect={200},
            shorten=shorten_price,
            note="(Shortened: the tariff is the one `GET /tariffs/<id>/` answers; the "
            "estimate's other dimensions, `fixed_cost`, `time_cost` and `parking_cost`, "
            "are cut to `…`.)",
        )

        # The live socket is open before the start, as an app keeps it open.
        live = LiveSocket(self.base, self.token)
        try:
            self.start_and_follow(live, cp, n)
        finally:
            live.close()
            if self.session_id and not self.stopped:
                # A journey stopped halfway leaves no car charging on the demo charger.
                self.call("POST", f"/sessions/{self.session_id}/stop/", token=True)

    def start_and_follow(self, live, cp, n):
        a = self.args
        self.say(
            "**4. Start** with an `Idempotency-Key`. The answer comes at once, "
            "without waiting for the charger: `202` with the session, already "
            "`STARTING` when the charger's connection took the remote start "
            "(`REQUESTED` before that). Its `session_id` is known from now on."
        )
        self.say()
        key = str(uuid.uuid4())
        body = {"chargepoint_id": cp, "connector_id": n}
        headers = {"Idempotency-Key": key}
        started_at = time.monotonic()
        status, _, session = self.step(
            "POST",
            "/sessions/",
            body,
            headers,
            token=True,
            expect={202},
        )
        took = time.monotonic() - started_at
        if session.get("status") not in ("REQUESTED", "STARTING", "CHARGING"):
            raise Stop(f"the start answered status {session.get('status')}, not STARTING")
        session_id = self.session_id = session["session_id"]
        if session["status"] == "CHARGING":
            self.say(
                f"(Answered in {took * 1000:.0f} ms. The simulated charger plugs its "
                "car in at once: it accepted the remote start and began the "
                "transaction before the answer left, so the session is already "
                "`CHARGING` and carries its `transaction`. A charger whose car is not "
                "plugged in yet leaves it `STARTING`, `transaction` null.)"
            )
        else:
            self.say(f"(Answered in {took * 1000:.0f} ms.)")
        self.say()
        self.say(
            "A retry with the same key (the app's request timed out, say) does not "
            "start again: it gets the first answer, marked as replayed:"
        )
        self.say()
        _, head, again = self.step(
            "POST",
            "/sessions/",
            body,
            headers,
            token=True,
            expect={202},
            show=("Idempotent-Replayed",),
            shorten=lambda d: {
                "session_id": d["session_id"],
                "status": d["status"],
                ELLIPSIS: ELLIPSIS,
            },
        )
        if again["session_id"] != session_id or head.get("Idempotent-Replayed") != "true":
            raise Stop("the retry with the same Idempotency-Key was not a replay")

        self.say(
            "**5. Live.** The app keeps one socket open, "
            "`ws://<host>/ws/v1/live/?token=<token>` (or an `Authorization: Token` "
            "header): a snapshot first, then the session at every move, the "
            "notifications, and the charger going offline and online. Opened before "
            "the start, it said:"
        )
        self.say()
        charging = live.until(
            lambda m: m["type"] == "session" and m["data"]["status"] == "CHARGING", a.wait
        )
        if charging is None:
            raise Stop(
                f"no CHARGING session on the live socket within {a.wait} s: {json.dumps(live.seen)}"
            )
        tx_id = charging["data"]["transaction"]["transaction_id"]
        # Meter values are not sent on /ws/v1/live/: they are on the transaction's socket.
        charging_since = time.monotonic()
        samples = transaction_socket(
            self.base, self.token, tx_id, count=2, seconds=max(a.charge_seconds, 5)
        )
        live.until(lambda m: False, 1.0)  # a notification may follow the session
        self.print_live(live.take())
        self.say(
            "Meter values are not sent there (they would flood a socket that follows "
            "several things); the transaction's own socket, "
            "`/ws/v1/transactions/<id>/?token=<token>`, sends its state at once and "
            "again at every meter value until it ends, e.g.:"
        )
        self.say()
        if len(samples) < 2 or samples[-1].get("type") != "transaction.update":
            raise Stop(f"no update on the transaction's socket: {json.dumps(samples)}")
        self.block("json", pretty(samples[-1]))
        self.say()
        self.say(
            "(The first message, `transaction.snapshot`, has the same fields: the state "
            "when the socket opened.)"
        )
        self.say()

        self.say(
            "A receipt is the session's CDR, made when the transaction ends: while it "
            "runs, asking for it answers `409 receipt_not_ready`, an RFC 9457 problem "
            "as every error is:"
        )
        self.say()
        path = f"/sessions/{session_id}/receipt/"
        self.step("GET", path, token=True, expect={409}, show=("Content-Type",))
        time.sleep(max(0.0, a.charge_seconds - (time.monotonic() - charging_since)))
        self.say(
            "**6. Stop.** Online, the charger is asked to stop: `202`, outcome "
            "`REMOTE_STOP`; the session goes `FINISHING` when the charger accepts and "
            "`COMPLETED` when the transaction ends."
        )
        self.say()
        self.step(
            "POST",
            f"/sessions/{session_id}/stop/",
            None,
            {"Idempotency-Key": str(uuid.uuid4())},
            token=True,
            expect={200, 202},
            shorten=shorten_stop,
        )
        self.stopped = True
        done = live.until(
            lambda m: m["type"] == "session" and m["data"]["status"] == "COMPLETED", a.wait
        )
        if done is None:
            raise Stop(
                f"no COMPLETED session on the live socket within {a.wait} s: "
                f"{json.dumps(live.seen)}"
            )
        live.until(lambda m: False, 1.0)
        self.say("On the live socket:")
        self.say()
        self.print_live(live.take())

        self.say(
            "**7. Receipt**: the CDR's totals, its charging periods with what each "
            "cost, the tariff and the site as they were."
        )
        self.say()
        # The CDR is made as the transaction ends; until then the answer stays 409.
        deadline = time.monotonic() + a.wait
        while True:
            status, reason, head, data = self.call("GET", path, token=True)
            if status == 200:
                break
            if status != 409 or data.get("code") != "receipt_not_ready":
                raise Stop(f"GET {path} answered {status}: {json.dumps(data)}")
            if time.monotonic() > deadline:
                raise Stop(f"no receipt within {a.wait} s: {json.dumps(data)}")
            time.sleep(0.5)
        self.block("sh", self.curl("GET", path, token=True))
        self.answer(status, reason, data)

    def print_live(self, messages):
        self.block("json", "\n".join(pretty(shorten_live(m)) for m in messages))
        self.say()
        self.say(
            "(Shortened: a session message carries the whole session as "
            "`GET /sessions/<session_id>/` shows it; here its `start_command` and "
            "`transaction` are cut to a few fields and the rest to `…`.)"
        )
        self.say()


def pretty(value, indent: int = 0, column: int = 0, width: int = 88) -> str:
    """JSON as a reader takes it in: what fits on its line stays on it, the rest is indented."""
    flat = json.dumps(value, ensure_ascii=False)
    if column + len(flat) <= width or not isinstance(value, (dict, list)) or not value:
        return flat
    inner = indent + 2
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            lead = " " * inner + json.dumps(key, ensure_ascii=False) + ": "
            items.append(lead + pretty(item, inner, len(lead) + 1, width))
    else:
        items = [" " * inner + pretty(item, inner, inner + 1, width) for item in value]
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + ",\n".join(items) + "\n" + " " * indent + closing


# --- the live sockets ---------------------------------------------------


class LiveSocket:
    """/ws/v1/live/, read in a thread: every message kept in the order it came."""

    def __init__(self, base: str, token: str):
        url = base.replace("http", "ws", 1) + "/ws/v1/live/?token=" + token
        self.socket = connect(url, open_timeout=10)
        self.messages: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        self.pending: list[dict] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for text in self.socket:
                self.messages.put(json.loads(text))
        except Exception:  # the socket closed: nothing more to read
            pass

    def until(self, wanted, seconds: float):
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(message)
            self.pending.append(message)
            if wanted(message):
                return message
        return None

    def take(self) -> list[dict]:
        taken, self.pending = self.pending, []
        return taken

    def close(self):
        self.socket.close()


def transaction_socket(base: str, token: str, tx_id: int, *, count: int, seconds: float):
    """The first message, then the updates of the next `seconds`, at most `count` in all."""
    url = f"{base.replace('http', 'ws', 1)}/ws/v1/transactions/{tx_id}/?token={token}"
    got = []
    deadline = time.monotonic() + seconds
    with connect(url, open_timeout=10) as socket:
        while len(got) < count and (left := deadline - time.monotonic()) > 0:
            try:
                got.append(json.loads(socket.recv(timeout=left)))
            except TimeoutError:
                break
    return got


# --- shortening (said so in the text) -----------------------------------


def shorten_locations(data, chargepoint_id):
    data = json.loads(json.dumps(data))
    for location in data.get("results", []):
        points = location.get("chargepoints", [])
        location["chargepoints"] = [
            {**p, "connectors": [shorten_connector(c) for c in p["connectors"]]}
            if p["chargepoint_id"] == chargepoint_id
            else {"chargepoint_id": p["chargepoint_id"], ELLIPSIS: ELLIPSIS}
            for p in points
        ]
        location["tariffs"] = [
            {"id": t["id"], "text": t["text"], ELLIPSIS: ELLIPSIS}
            for t in location.get("tariffs", [])
        ]
    return data


def shorten_connector(connector):
    keep = ("connector_id", "evse_id", "standard", "status", "tariff_ids")
    return {**{key: connector[key] for key in keep if key in connector}, ELLIPSIS: ELLIPSIS}


def find_evse_id(data, chargepoint_id, connector_id):
    for location in data.get("results", []):
        for point in location.get("chargepoints", []):
            if point["chargepoint_id"] != chargepoint_id:
                continue
            for connector in point["connectors"]:
                if connector["connector_id"] == connector_id:
                    return connector["evse_id"]
    return None


def shorten_price(data):
    data = dict(data)
    if data.get("tariff"):
        tariff = data["tariff"]
        data["tariff"] = {
            "id": tariff["id"],
            "currency": tariff["currency"],
            "elements": tariff["elements"],
            ELLIPSIS: ELLIPSIS,
        }
    estimate = data.get("estimate")
    if estimate:
        keep = ("energy_kwh", "duration_minutes", "parking_minutes", "derived", "cost")
        data["estimate"] = {
            **{key: estimate[key] for key in keep},
            "energy_cost": estimate["energy_cost"],
            ELLIPSIS: ELLIPSIS,
        }
    return data


def shorten_session(data):
    keep = ("session_id", "status")
    short = {key: data[key] for key in keep if key in data}
    command = data.get("start_command")
    short["start_command"] = command and {
        "command": command.get("command"),
        "status": command.get("status"),
        ELLIPSIS: ELLIPSIS,
    }
    tx = data.get("transaction")
    short["transaction"] = tx and {
        **{key: tx.get(key) for key in ("transaction_id", "status", "energy_kwh", "cost")},
        ELLIPSIS: ELLIPSIS,
    }
    short[ELLIPSIS] = ELLIPSIS
    return short


def shorten_live(message):
    if message["type"] == "session":
        return {**message, "data": shorten_session(message["data"])}
    if message["type"] == "snapshot":
        data = dict(message["data"])
        data["sessions"] = [shorten_session(s) for s in data["sessions"]]
        return {**message, "data": data}
    return message


def shorten_stop(data):
    data = dict(data)
    if isinstance(data.get("session"), dict):
        data["session"] = shorten_session(data["session"])
    if isinstance(data.get("command"), dict):
        command = data["command"]
        data["command"] = {
            "id": command.get("id"),
            "command": command.get("command"),
            "status": command.get("status"),
            ELLIPSIS: ELLIPSIS,
        }
    return data


if __name__ == "__main__":
    sys.exit(main())

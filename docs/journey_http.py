"""The printing, HTTP and socket helpers of docs/journey.py.

A `Transcript` makes a request, prints it as the curl command that makes it
and the answer as it came, as markdown; the `shorten_*` functions cut long
answers to what an app developer must see at that step, writing "…" for what
they cut (the journey's text says so).
"""

import json
import queue
import textwrap
import threading
import time
import urllib.error
import urllib.request

from websockets.sync.client import connect

ELLIPSIS = "…"
CUT = {ELLIPSIS: ELLIPSIS}


class Stop(Exception):
    """Something did not go as the journey says: the transcript stops here."""


def pretty(value, indent: int = 0, column: int = 0, width: int = 88) -> str:
    """JSON as a reader takes it in, as docs/api.md writes it: what fits on a line stays on
    it; a longer object or list has its items indented, as many to a line as fit."""
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
    lines: list[str] = []
    for item in items:
        joined = f"{lines[-1]}, {item.lstrip()}" if lines else ""
        if lines and "\n" not in lines[-1] + item and len(joined) + 1 <= width:
            lines[-1] = joined
        else:
            lines.append(item)
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + ",\n".join(lines) + "\n" + " " * indent + closing


class Transcript:
    """Requests to the API at `base`, each printed with its answer."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.api = self.base + "/api/v1"
        self.token = None

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
                raw, status, reason = response.read(), response.status, response.reason
                head = response.headers
        except urllib.error.HTTPError as error:
            raw, status, reason, head = error.read(), error.code, error.reason, error.headers
        parsed = json.loads(raw) if raw else None
        return status, reason, head, parsed

    def step(self, method, path, body=None, headers=None, *, token=False, expect=None, **shown):
        """One request, printed with its answer; Stop when the status is not the expected.

        `shown` may hold `show` (header names to print), `shorten` (a function
        of the answer's body) and `note` (a sentence after the answer).
        """
        status, reason, head, data = self.call(method, path, body, headers, token)
        self.block("sh", self.curl(method, path, body, headers, token))
        show, shorten = shown.get("show", ()), shown.get("shorten")
        printed = [(name, head[name]) for name in show if head.get(name) is not None]
        body_shown = shorten(data) if shorten and status in (expect or {status}) else data
        self.answer(status, reason, body_shown, printed, shown.get("note", ""))
        if expect is not None and status not in expect:
            raise Stop(f"{method} {path} answered {status}, not {expect}: {json.dumps(data)}")
        return status, head, data


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


def keep(data, *keys, cut=True):
    """The named fields of `data`, in its order, and "…" for the rest when any is left."""
    kept = {key: value for key, value in data.items() if key in keys}
    return {**kept, **CUT} if cut and len(kept) < len(data) else kept


def shorten_registration(data):
    return {
        **data,
        "token": data["token"][:8] + ELLIPSIS,
        "user": keep(data["user"], "id", "phone_number", "status"),
    }


def shorten_locations(data, chargepoint_id):
    results = []
    for location in data.get("results", []):
        points = [
            {
                **keep(point, "chargepoint_id", "name", "status", "connected", cut=False),
                "connectors": [
                    keep(c, "connector_id", "evse_id", "standard", "status", "tariff_ids")
                    for c in point["connectors"]
                ],
                **CUT,
            }
            if point["chargepoint_id"] == chargepoint_id
            else keep(point, "chargepoint_id")
            for point in location.get("chargepoints", [])
        ]
        kept = ("id", "name", "address", "city", "coordinates", "distance_km")
        results.append(
            {
                **keep(location, *kept, cut=False),
                "chargepoints": points,
                "tariffs": [keep(t, "id", "text") for t in location.get("tariffs", [])],
                **CUT,
            }
        )
    return {**data, "results": results}


def find_evse_id(data, chargepoint_id, connector_id):
    for location in data.get("results", []):
        for point in location.get("chargepoints", []):
            if point["chargepoint_id"] != chargepoint_id:
                continue
            for connector in point["connectors"]:
                if connector["connector_id"] == connector_id:
                    return connector["evse_id"]
    return None


def shorten_evse(data):
    connector_fields = ("connector_id", "standard", "power_type", "status", "price_url")
    return {
        **data,
        "chargepoint": keep(data["chargepoint"], "chargepoint_id", "connected"),
        "location": keep(data["location"], "id", "name", "address", "city", "time_zone"),
        "connectors": [keep(c, *connector_fields) for c in data["connectors"]],
    }


def shorten_price(data):
    short = dict(data)
    if data.get("tariff"):
        short["tariff"] = keep(data["tariff"], "id", "currency")
    if data.get("estimate"):
        short["estimate"] = keep(data["estimate"], "energy_kwh", "duration_minutes", "cost")
    return short


def shorten_session(data, *, cost=False):
    short = keep(data, "session_id", "status", "chargepoint_id", "connector_id", cut=False)
    command = data.get("start_command")
    short["start_command"] = command and keep(command, "command", "status")
    tx = data.get("transaction")
    tx_fields = ("transaction_id", "status", "energy_kwh") + (("cost",) if cost else ())
    short["transaction"] = tx and keep(tx, *tx_fields)
    return {**short, **CUT}


def shorten_started(data):
    tx = data.get("transaction")
    tx_fields = ("transaction_id", "status", "started_at", "energy_kwh")
    return {
        **data,
        "start_command": keep(data["start_command"], "id", "command", "status"),
        "transaction": tx and keep(tx, *tx_fields),
    }


def shorten_live(message, *, cost=False):
    if message["type"] == "session":
        return {**message, "data": shorten_session(message["data"], cost=cost)}
    if message["type"] == "snapshot":
        data = dict(message["data"])
        data["sessions"] = [shorten_session(s) for s in data["sessions"]]
        return {**message, "data": data}
    if message["type"] == "notification":
        kept = ("id", "type", "title", "message", "transaction_id")
        return {**message, "data": keep(message["data"], *kept)}
    return message


def shorten_stop(data):
    short = dict(data)
    if isinstance(data.get("session"), dict):
        short["session"] = shorten_session(data["session"])
    if isinstance(data.get("command"), dict):
        short["command"] = keep(data["command"], "id", "command", "status")
    return short


def shorten_receipt(data):
    fields = (
        "id",
        "transaction_id",
        "session_id",
        "evse_id",
        "location",
        "started_at",
        "ended_at",
        "total_energy_kwh",
        "total_time_h",
        "cost",
        "charging_periods",
        "remark",
        "tariff",
    )
    short = keep(data, *fields)
    short["location"] = keep(data["location"], "name", "city", "country")
    short["charging_periods"] = [
        keep(period, "started_at", "ended_at", "dimensions", "cost")
        for period in data["charging_periods"]
    ]
    return short

"""Issue 19's "done when": a roaming session works end to end from an eMSP's point of view.

A real server (Daphne) and two eMSPs on 127.0.0.1 (tests/billing/ocpi/emsp.py),
invited by the demo operator in the admin and registered through the
credentials module. The first eMSP pushes its tokens and sends commands; our
chargers (raw OCPP-J frames here, the bundled simulator for remote starts)
charge with them, in OCPP 1.6 and 2.0.1; the eMSP receives the session, its
updates and the CDR, and the second eMSP receives none of it.
"""

import contextlib
import html.parser
import http.cookiejar
import itertools
import json
import re
import secrets
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from websockets.sync.client import connect

from tests.billing.ocpi.emsp import Emsp, Received
from tests.server import (
    DEMO_OPERATOR_PASSWORD,
    database_copy,
    project_env,
    running_server,
    simulated_charger,
    sqlite_row_wait,
    sqlite_rows,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

CHARGERS = {"1.6": "CP-DEMO-16", "2.0.1": "DE*BMW*ETEST1234567890AB"}
LOCATION = "DEMO-LOC-1"
# Our OCPI party (csms settings' default, and the demo location's).
OURS = ("DE", "CSM")
AUTHORIZE_TIMEOUT = 2
# Short timers: a test waits for pushes, not for the server's intervals.
ROAMING = {
    "CSMS_OCPI_ALLOW_PRIVATE_URLS": "1",
    "CSMS_OCPI_PUSH_INTERVAL": "0.5",
    "CSMS_OCPI_SESSION_PUSH_INTERVAL": "1",
    "CSMS_OCPI_PUSH_TIMEOUT": "2",
    "CSMS_OCPI_AUTHORIZE_TIMEOUT": str(AUTHORIZE_TIMEOUT),
}
# Sessions sender §9.1.1: date_from is required.
SINCE = "date_from=2020-01-01T00:00:00Z"
# How long a test waits for one thing to happen (seconds).
WAIT = 30.0


# -- the operator, in the admin ----------------------------------------------------


class _HiddenInputs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields.append((attrs["name"], attrs.get("value") or ""))


class Operator:
    """The demo operator in the admin, posting its forms as a browser does."""

    def __init__(self, base_url: str):
        self.base = base_url
        jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.submit(
            "/admin/login/?next=/admin/",
            {"username": "operator", "password": DEMO_OPERATOR_PASSWORD},
        )
        assert any(cookie.name == "sessionid" for cookie in jar), "the operator is not logged in"

    def page(self, path: str) -> str:
        with self.browser.open(self.base + path, timeout=WAIT) as response:
            return response.read().decode()

    def submit(self, path: str, fields: dict) -> str:
        """Post the form at ``path`` (its hidden fields: the CSRF token, the inlines'
        management forms) with ``fields`` filled in; the page it leads to."""
        parser = _HiddenInputs()
        parser.feed(self.page(path))
        form = {**dict(parser.fields), **fields}
        request = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode(form, doseq=True).encode(),
            headers={"Referer": self.base + path},
        )
        with self.browser.open(request, timeout=WAIT) as response:
            return response.read().decode()

    def action(self, changelist: str, action: str, ids: list[int]) -> str:
        """Run an admin action on the rows ``ids`` of a list, as its form does."""
        return self.submit(
            changelist, {"action": action, "_selected_action": [str(i) for i in ids], "index": "0"}
        )

    def partner_invite(self, name: str) -> tuple[str, str]:
        """Add a partner: the versions URL and the token A the admin shows once."""
        page = self.submit("/admin/billing/ocpipartner/add/", {"name": name, "status": "PENDING"})
        found = re.search(
            r"the versions URL (\S+) and the registration token (\S+) \(shown only this once\)",
            page,
        )
        assert found, "the admin did not show a registration token"
        return found.group(1), found.group(2)


# -- a charger speaking raw OCPP-J ------------------------------------------------------


def now_ocpp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Charger:
    """One of the demo chargers, sending raw OCPP-J frames (only the gateway uses
    the ocpp library): boot, authorize, start, meter values, stop."""

    def __init__(self, base_url: str, database: Path, version: str):
        self.version = version
        self.chargepoint_id = CHARGERS[version]
        self.database = database
        self.url = f"{base_url.replace('http://', 'ws://')}/ocpp/{quote(self.chargepoint_id)}"
        self.ids = itertools.count(1)
        self.meter_wh = 10_000
        self.seq = itertools.count()
        self.transaction_id: str | int | None = None

    def __enter__(self):
        subprotocol = "ocpp1.6" if self.version == "1.6" else "ocpp2.0.1"
        self.connection = connect(self.url, subprotocols=[subprotocol], open_timeout=WAIT)
        self.ws = self.connection.__enter__()
        if self.v16:
            self.call("BootNotification", {"chargePointVendor": "E2E", "chargePointModel": "R16"})
            self.call("StatusNotification", self._status16("Available"))
        else:
            self.call(
                "BootNotification",
                {"chargingStation": {"vendorName": "E2E", "model": "R201"}, "reason": "PowerUp"},
            )
            self.call(
                "StatusNotification",
                {
                    "timestamp": now_ocpp(),
                    "connectorStatus": "Available",
                    "evseId": 1,
                    "connectorId": 1,
                },
            )
        return self

    def __exit__(self, *exc):
        self.connection.__exit__(None, None, None)
        # The next test's charger finds this one gone, not still connected.
        sqlite_row_wait(
            self.database,
            "SELECT 1 FROM chargepoints_chargepoint WHERE chargepoint_id=? AND connected=0",
            self.chargepoint_id,
        )

    @property
    def v16(self) -> bool:
        return self.version == "1.6"

    def call(self, action: str, payload: dict) -> dict:
        """Send a CALL; the CALLRESULT's payload. A CALL from the server meanwhile is
        answered NotImplemented: these tests send the chargers no commands."""
        message_id = str(next(self.ids))
        self.ws.send(json.dumps([2, message_id, action, payload]))
        deadline = time.monotonic() + WAIT
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no answer to {action} within {WAIT:.0f} s"
            frame = json.loads(self.ws.recv(timeout=left))
            if frame[0] == 2:
                self.ws.send(json.dumps([4, frame[1], "NotImplemented", "", {}]))
            elif frame[1] == message_id:
                assert frame[0] == 3, f"{action}: {frame}"
                return frame[2]

    @staticmethod
    def _status16(status: str) -> dict:
        return {"connectorId": 1, "errorCode": "NoError", "status": status, "timestamp": now_ocpp()}

    def _meter(self) -> list[dict]:
        energy = {"value": self.meter_wh, "measurand": "Energy.Active.Import.Register"}
        power = {"value": 7400, "measurand": "Power.Active.Import"}
        if self.v16:
            energy = {**energy, "value": str(self.meter_wh), "unit": "Wh"}
            power = {**power, "value": "7400", "unit": "W"}
        return [{"timestamp": now_ocpp(), "sampledValue": [energy, power]}]

    def _id_token(self, uid: str) -> dict:
        return {"idToken": uid, "type": "ISO14443"}

    def authorize(self, uid: str) -> str:
        """The status our CSMS answers to the card's Authorize."""
        if self.v16:
            return self.call("Authorize", {"idTag": uid})["idTagInfo"]["status"]
        return self.call("Authorize", {"idToken": self._id_token(uid)})["idTokenInfo"]["status"]

    def start(self, uid: str) -> str:
        """Start a transaction with the card; the status of its id token in the answer."""
        if self.v16:
            answer = self.call(
                "StartTransaction",
                {
                    "connectorId": 1,
                    "idTag": uid,
                    "meterStart": self.meter_wh,
                    "timestamp": now_ocpp(),
                },
            )
            self.transaction_id = answer["transactionId"]
            self.call("StatusNotification", self._status16("Charging"))
            return answer["idTagInfo"]["status"]
        self.transaction_id = str(uuid.uuid4())
        answer = self._event("Started", "Authorized", idToken=self._id_token(uid))
        return answer["idTokenInfo"]["status"]

    def meter(self, wh: int = 150) -> None:
        self.meter_wh += wh
        if self.v16:
            self.call(
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": self.transaction_id,
                    "meterValue": self._meter(),
                },
            )
        else:
            self._event("Updated", "MeterValuePeriodic")

    def stop(self) -> None:
        if self.v16:
            self.call(
                "StopTransaction",
                {
                    "transactionId": self.transaction_id,
                    "meterStop": self.meter_wh,
                    "timestamp": now_ocpp(),
                    "reason": "EVDisconnected",
                },
            )
            self.call("StatusNotification", self._status16("Available"))
        else:
            self._event("Ended", "EVDeparted", stoppedReason="EVDisconnected")
        self.transaction_id = None

    def _event(self, event_type: str, trigger: str, stoppedReason=None, **extra) -> dict:
        info = {
            "transactionId": self.transaction_id,
            "chargingState": "EVConnected" if event_type == "Ended" else "Charging",
        }
        if stoppedReason:
            info["stoppedReason"] = stoppedReason
        payload = {
            "eventType": event_type,
            "timestamp": now_ocpp(),
            "triggerReason": trigger,
            "seqNo": next(self.seq),
            "transactionInfo": info,
            "meterValue": self._meter(),
            **extra,
        }
        if event_type == "Started":
            payload["evse"] = {"id": 1, "connectorId": 1}
        return self.call("TransactionEvent", payload)


# -- the server and its partners ---------------------------------------------------------


@dataclass
class Roaming:
    base: str
    database: Path
    operator: Operator
    emsp: Emsp
    other: Emsp


@pytest.fixture(scope="module")
def roaming(tmp_path_factory, demo_database_template):
    database = database_copy(demo_database_template, tmp_path_factory.mktemp("roaming"))
    env = project_env(SQLITE_PATH=str(database), **ROAMING)
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(running_server(env))
        emsp = stack.enter_context(Emsp(country_code="NL", party_id="EM1", name="eMSP One"))
        other = stack.enter_context(Emsp(country_code="BE", party_id="EM2", name="eMSP Two"))
        operator = Operator(base)
        # The operator invites each partner, which registers with its token A.
        for partner in (emsp, other):
            versions_url, token_a = operator.partner_invite(partner.name)
            assert versions_url == f"{base}/ocpi/versions"
            partner.register(versions_url, token_a)
        yield Roaming(base, database, operator, emsp, other)


def accepted(status: int, answer: dict) -> None:
    """A successful OCPI answer: HTTP 200 (201 for a new object) and status 1000."""
    assert status in {200, 201} and answer["status_code"] == 1000, (status, answer)


def new_uid(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6).upper()}"


def pushed(uid: str):
    """Whether an eMSP's received request is about the session of token ``uid``."""

    def about(request: Received) -> bool:
        body = request.body if isinstance(request.body, dict) else {}
        return (body.get("cdr_token") or {}).get("uid") == uid

    return about


def session_requests(emsp: Emsp, session_id: str, method: str | None = None) -> list[Received]:
    path = f"/ocpi/2.2.1/sessions/{OURS[0]}/{OURS[1]}/{session_id}"
    return emsp.received(
        lambda r: r.path.rstrip("/") == path and r.authorized and method in (None, r.method)
    )


def session_put(emsp: Emsp, uid: str) -> Received:
    """The session PUT (sessions receiver §9.2.2) of the session charged with ``uid``."""
    put = emsp.wait_for(
        lambda r: r.module == "sessions" and r.method == "PUT" and pushed(uid)(r),
        timeout=WAIT,
        what=f"the session PUT for {uid}",
    )
    session = put.body
    assert put.parts == ["sessions", *OURS, session["id"]]
    assert put.authorized
    assert (session["country_code"], session["party_id"]) == OURS
    assert session["cdr_token"]["country_code"] == "NL"
    assert session["cdr_token"]["party_id"] == "EM1"
    assert session["location_id"] == LOCATION
    return put


def completed_patch(emsp: Emsp, session_id: str) -> Received:
    return emsp.wait_for(
        lambda r: (
            r in session_requests(emsp, session_id, "PATCH") and r.body.get("status") == "COMPLETED"
        ),
        timeout=WAIT,
        what=f"the final PATCH of session {session_id}",
    )


def cdr_post(emsp: Emsp, session_id: str) -> Received:
    post = emsp.wait_for(
        lambda r: (
            r.module == "cdrs"
            and r.method == "POST"
            and isinstance(r.body, dict)
            and r.body.get("session_id") == session_id
        ),
        timeout=WAIT,
        what=f"the CDR of session {session_id}",
    )
    assert post.authorized and post.parts == ["cdrs"]
    return post


def assert_nothing_about(other: Emsp, uid: str, session_id: str) -> None:
    """The other eMSP received no request about that token's session or CDR."""
    leaked = other.received(
        lambda r: (
            r.module in {"sessions", "cdrs", "commands"}
            or uid in json.dumps(r.body)
            or session_id in r.path
            or session_id in json.dumps(r.body)
        )
    )
    assert leaked == [], [f"{r.method} {r.path}" for r in leaked]


def active_patch_with_energy(emsp: Emsp, session_id: str) -> list[Received]:
    return [
        r
        for r in session_requests(emsp, session_id, "PATCH")
        if r.body.get("status") == "ACTIVE" and (r.body.get("kwh") or 0) > 0
    ]


def charge_until(charger: Charger, condition, what: str) -> None:
    """Send meter values, as a charging car makes them, until ``condition`` holds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met within {WAIT:.0f} s"
        charger.meter()
        time.sleep(0.3)


def evse_of(emsp: Emsp, chargepoint_id: str) -> str:
    """The uid of the charger's first EVSE, as our locations module shows it to the eMSP."""
    status, answer = emsp.call("GET", f"{emsp.our('locations', 'SENDER')}/{LOCATION}")
    assert (status, answer["status_code"]) == (200, 1000), answer
    uids = [evse["uid"] for evse in answer["data"]["evses"]]
    assert f"{chargepoint_id}*1" in uids, uids
    return f"{chargepoint_id}*1"


def pulled_session_ids(emsp: Emsp) -> set[str]:
    """The sessions an eMSP finds when it pulls from our sessions module."""
    status, answer = emsp.call("GET", f"{emsp.our('sessions', 'SENDER')}?{SINCE}&limit=100")
    assert (status, answer["status_code"]) == (200, 1000), answer
    return {session["id"] for session in answer["data"]}


@contextlib.contextmanager
def simulator_online(roaming: Roaming, version: str):
    """The version's demo charger as the bundled simulator (remote starts and stops),
    once the server saw it boot; gone again when the block ends."""
    chargepoint_id = CHARGERS[version]
    query = "SELECT COALESCE(last_boot_at, '') FROM chargepoints_chargepoint WHERE chargepoint_id=?"
    ((last_boot,),) = sqlite_rows(roaming.database, query, chargepoint_id)
    with simulated_charger(roaming.base.replace("http://", "ws://"), version, chargepoint_id):
        sqlite_row_wait(
            roaming.database,
            "SELECT 1 FROM chargepoints_chargepoint WHERE chargepoint_id=? AND connected=1 "
            "AND COALESCE(last_boot_at, '') != ?",
            chargepoint_id,
            last_boot,
        )
        sqlite_row_wait(
            roaming.database,
            "SELECT 1 FROM chargepoints_connector WHERE chargepoint_id=? AND connectorid=1 "
            "AND status='Available'",
            chargepoint_id,
        )
        yield chargepoint_id
    sqlite_row_wait(
        roaming.database,
        "SELECT 1 FROM chargepoints_chargepoint WHERE chargepoint_id=? AND connected=0",
        chargepoint_id,
    )


def command_result(emsp: Emsp, response_url: str) -> dict:
    """The CommandResult (commands §13.3.3) POSTed to one of the eMSP's response URLs."""
    path = urllib.parse.urlsplit(response_url).path
    result = emsp.wait_for(
        lambda r: r.method == "POST" and r.path == path,
        timeout=WAIT,
        what=f"the CommandResult at {path}",
    )
    assert result.authorized
    return result.body


# -- the tests -------------------------------------------------------------------------------


def test_invited_emsps_register_and_our_details_list_the_modules_we_implement(roaming):
    rows = sqlite_rows(
        roaming.database,
        "SELECT name, status, country_code, party_id, endpoints FROM billing_ocpipartner "
        "WHERE name IN ('eMSP One', 'eMSP Two') ORDER BY name",
    )
    assert [row[:4] for row in rows] == [
        ("eMSP One", "REGISTERED", "NL", "EM1"),
        ("eMSP Two", "REGISTERED", "BE", "EM2"),
    ]
    # We kept the eMSP's receivers: where our pushes go.
    stored = {(e["identifier"], e["role"]): e["url"] for e in json.loads(rows[0][4])}
    assert stored[("sessions", "RECEIVER")] == f"{roaming.emsp.base}/ocpi/2.2.1/sessions"
    assert stored[("cdrs", "RECEIVER")] == f"{roaming.emsp.base}/ocpi/2.2.1/cdrs"
    # Credentials §7.3.1 / version details §6.2: exactly what we implement, as a CPO.
    assert set(roaming.emsp.our_endpoints) == {
        ("credentials", "SENDER"),
        ("locations", "SENDER"),
        ("sessions", "SENDER"),
        ("cdrs", "SENDER"),
        ("tariffs", "SENDER"),
        ("tokens", "RECEIVER"),
        ("commands", "RECEIVER"),
    }
    # Token A is spent: the eMSP calls with token C, and only C works.
    sessions = f"{roaming.emsp.our('sessions', 'SENDER')}?{SINCE}"
    status, _ = roaming.emsp.call("GET", sessions)
    assert status == 200
    status, _ = roaming.emsp.call("GET", sessions, token="guess")
    assert status == 401


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_an_emsp_card_charges_and_only_its_emsp_receives_the_session_and_the_cdr(roaming, version):
    emsp, other = roaming.emsp, roaming.other
    uid = new_uid("RFID")
    accepted(*emsp.token_push(uid, whitelist="ALLOWED"))

    with Charger(roaming.base, roaming.database, version) as charger:
        # Tokens §12.4.5 ALLOWED: we decide at once, without asking the eMSP.
        assert charger.authorize(uid) == "Accepted"
        assert charger.start(uid) == "Accepted"
        put = session_put(emsp, uid)
        session = put.body
        session_id = session["id"]
        assert session["status"] == "ACTIVE"
        assert session["auth_method"] == "WHITELIST"
        assert session["cdr_token"]["uid"] == uid
        assert session["cdr_token"]["type"] == "RFID"
        assert session["cdr_token"]["contract_id"] == emsp.tokens[uid]["contract_id"]
        assert session["evse_uid"] == f"{charger.chargepoint_id}*1"
        # Sessions §9.2.2: PATCHes while charging, with the energy so far.
        charge_until(
            charger,
            lambda: active_patch_with_energy(emsp, session_id),
            "a PATCH of the running session with kwh > 0",
        )
        charger.stop()

    final = completed_patch(emsp, session_id).body
    assert final["kwh"] > 0
    assert final["end_date_time"]
    cdr = cdr_post(emsp, session_id).body
    assert cdr["cdr_token"]["uid"] == uid
    assert (cdr["cdr_token"]["country_code"], cdr["cdr_token"]["party_id"]) == ("NL", "EM1")
    assert cdr["auth_method"] == "WHITELIST"
    assert not cdr.get("authorization_reference")
    assert cdr["cdr_location"]["id"] == LOCATION
    assert cdr["cdr_location"]["evse_uid"] == f"{CHARGERS[version]}*1"
    assert cdr["total_energy"] == pytest.approx(final["kwh"], abs=0.001)
    # DEMO-AC-STANDARD: 0.35 EUR/kWh, 19 % VAT.
    assert cdr["currency"] == "EUR"
    assert cdr["total_cost"]["excl_vat"] == pytest.approx(cdr["total_energy"] * 0.35, abs=0.001)
    assert cdr["total_cost"]["incl_vat"] == pytest.approx(
        cdr["total_cost"]["excl_vat"] * 1.19, abs=0.001
    )

    # In order: the PUT first, then PATCHes only, the last one COMPLETED.
    calls = session_requests(emsp, session_id)
    assert calls[0].method == "PUT"
    assert {call.method for call in calls[1:]} == {"PATCH"}
    assert calls[-1].body["status"] == "COMPLETED"
    assert len(emsp.received(lambda r: r.module == "cdrs" and pushed(uid)(r))) == 1

    # The other eMSP received nothing of it, and cannot pull it either.
    assert_nothing_about(other, uid, session_id)
    assert session_id in pulled_session_ids(emsp)
    assert session_id not in pulled_session_ids(other)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_start_session_through_ocpi_charges_and_the_emsp_gets_results_session_and_cdr(
    roaming, version
):
    emsp, other = roaming.emsp, roaming.other
    uid = new_uid("APP")
    reference = new_uid("REF-")
    accepted(*emsp.token_push(uid, type="APP_USER", whitelist="ALLOWED"))
    evse_uid = evse_of(emsp, CHARGERS[version])

    with simulator_online(roaming, version):
        status, answer, start_url = emsp.session_start(
            uid, location_id=LOCATION, evse_uid=evse_uid, authorization_reference=reference
        )
        # Commands §13.3.2: the CommandResponse at once, the charger's result later.
        assert (status, answer["status_code"]) == (200, 1000), answer
        assert answer["data"]["result"] == "ACCEPTED"
        assert answer["data"]["timeout"] > 0
        assert command_result(emsp, start_url)["result"] == "ACCEPTED"

        session = session_put(emsp, uid).body
        assert session["auth_method"] == "COMMAND"
        assert session["authorization_reference"] == reference
        assert session["cdr_token"]["type"] == "APP_USER"
        assert session["evse_uid"] == evse_uid
        # Charging: the eMSP sees the energy grow before it stops the session
        # (a stop before the first meter value would bill nothing).
        emsp.wait_for(
            lambda r: r in active_patch_with_energy(emsp, session["id"]),
            timeout=WAIT,
            what="a PATCH of the running session with kwh > 0",
        )

        status, answer, stop_url = emsp.session_stop(session["id"])
        assert (status, answer["status_code"]) == (200, 1000), answer
        assert answer["data"]["result"] == "ACCEPTED"
        assert command_result(emsp, stop_url)["result"] == "ACCEPTED"
        completed_patch(emsp, session["id"])

    cdr = cdr_post(emsp, session["id"]).body
    assert cdr["cdr_token"]["uid"] == uid
    assert cdr["auth_method"] == "COMMAND"
    assert cdr["authorization_reference"] == reference
    assert cdr["total_energy"] > 0
    assert_nothing_about(other, uid, session["id"])


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_a_never_whitelisted_token_is_authorized_in_real_time_by_its_emsp(roaming, version):
    emsp = roaming.emsp
    allowed, refused, unanswered = new_uid("RT-OK"), new_uid("RT-NO"), new_uid("RT-SLOW")
    for uid in (allowed, refused, unanswered):
        accepted(*emsp.token_push(uid, whitelist="NEVER"))
    reference = new_uid("AUTH-")
    emsp.authorize_answers[allowed] = {"allowed": "ALLOWED", "authorization_reference": reference}
    emsp.authorize_answers[refused] = {"allowed": "NOT_ALLOWED"}
    # Tokens §12.4.5 NEVER: no answer in time is no authorization.
    path = f"/ocpi/2.2.1/tokens/{unanswered}/authorize"
    emsp.fail(path, times=1, mode="slow", seconds=AUTHORIZE_TIMEOUT + 3)

    with Charger(roaming.base, roaming.database, version) as charger:
        assert charger.authorize(allowed) == "Accepted"
        asked = emsp.received(
            lambda r: r.method == "POST" and r.path == f"/ocpi/2.2.1/tokens/{allowed}/authorize"
        )
        assert len(asked) == 1 and asked[0].authorized
        # Tokens §12.2.2: the type in the query, where the token is used in the body.
        assert asked[0].query.get("type", ["RFID"]) == ["RFID"]
        assert asked[0].body["location_id"] == LOCATION

        assert charger.authorize(refused) not in {"Accepted", "ConcurrentTx"}
        assert charger.authorize(unanswered) not in {"Accepted", "ConcurrentTx"}
        assert emsp.received(lambda r: r.path == path), "the eMSP was not asked"

        # The eMSP's yes lets the card start, and its reference goes with the session.
        assert charger.start(allowed) == "Accepted"
        session = session_put(emsp, allowed).body
        assert session["auth_method"] == "AUTH_REQUEST"
        assert session["authorization_reference"] == reference
        charger.meter()
        charger.stop()
    cdr = cdr_post(emsp, session["id"]).body
    assert cdr["auth_method"] == "AUTH_REQUEST"
    assert cdr["authorization_reference"] == reference


PUSHES = "/admin/billing/ocpipush/"
# The outbox admin's action that sends a waiting push at the next cycle.
RETRY_NOW = "retry_now"


def push_rows(database: Path, session_id: str) -> list[tuple]:
    """The outbox rows of the session's PUT: (id, status, attempts, last_error)."""
    return sqlite_rows(
        database,
        "SELECT id, status, attempts, last_error FROM billing_ocpipush "
        "WHERE module='sessions' AND method='PUT' AND url LIKE ?",
        f"%/{session_id}",
    )


def test_a_session_the_emsp_failed_to_take_arrives_after_retries_and_only_once(roaming):
    emsp, operator, database = roaming.emsp, roaming.operator, roaming.database
    uid = new_uid("RETRY")
    accepted(*emsp.token_push(uid))
    emsp.fail("/ocpi/2.2.1/sessions/", times=2, match=pushed(uid))

    def puts() -> list[Received]:
        return emsp.received(
            lambda r: r.method == "PUT" and r.module == "sessions" and pushed(uid)(r)
        )

    def failed(attempt: int, session_id: str) -> int:
        """The outbox row once it shows the failed attempt and its error; its id."""
        ((push_id, status, error),) = wait_until(
            lambda: [
                (push_id, status, error)
                for push_id, status, attempts, error in push_rows(database, session_id)
                if attempts == attempt
            ],
            timeout=WAIT,
            what=f"the outbox row after attempt {attempt}",
        )
        assert status == "PENDING"
        assert "500" in error
        return push_id

    with Charger(roaming.base, database, "1.6") as charger:
        assert charger.start(uid) == "Accepted"
        # The first PUT is answered 500: the row waits for its retry, in view.
        wait_until(lambda: len(puts()) == 1, timeout=WAIT, what="the first PUT")
        session_id = puts()[0].body["id"]
        push_id = failed(1, session_id)
        assert "500" in operator.page(f"{PUSHES}{push_id}/change/")
        # Retried by itself after the backoff (30 s), and answered 500 again.
        wait_until(lambda: len(puts()) == 2, what="the PUT retried after the backoff")
        failed(2, session_id)
        # The operator does not wait for the next, longer backoff.
        operator.action(PUSHES, RETRY_NOW, [push_id])
        wait_until(lambda: len(puts()) == 3, timeout=WAIT, what="the PUT the operator retried")
        charge_until(
            charger,
            lambda: active_patch_with_energy(emsp, session_id),
            "a PATCH after the delivered PUT",
        )
        charger.stop()
    completed_patch(emsp, session_id)
    cdr_post(emsp, session_id)

    # Three PUTs: two answered 500, one delivered; none after it, and every
    # PATCH after the PUT that was delivered.
    calls = session_requests(emsp, session_id)
    methods = [call.method for call in calls]
    assert methods[:3] == ["PUT", "PUT", "PUT"], methods
    assert set(methods[3:]) == {"PATCH"}, methods
    assert calls[0].body == calls[2].body
    # Delivered; "retry now" started a fresh count of attempts (billing/ocpi/outbox.py).
    assert push_rows(database, session_id) == [(push_id, "DELIVERED", 1, "")]

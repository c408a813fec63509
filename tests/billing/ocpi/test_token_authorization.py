"""Our chargers authorize eMSPs' tokens by their whitelist rule (OCPI 2.2.1 tokens §12.4.5),
asking the eMSP in real time (tokens §12.2.2.2) where the rule says so: frames through
both versions' adapters, against an eMSP on 127.0.0.1."""

import base64
import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from billing.models import CDR, OcpiAuthorization, OcpiPartner
from billing.ocpi.sessions import session_ocpi
from billing.services.partner_tokens import (
    ocpi_authorization_record,
    partner_token_upsert,
    token_from_ocpi,
)
from chargepoints.models import Connector, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.billing.ocpi.conftest import registered_partner
from tests.fake_http import FakeHttpServer, JsonHandler
from tests.ocpp_gateway.helpers import Wire

UID = "04AABBCCDD"
TOKEN_B = "emsp-token-b-for-authorize"


class EmspHandler(JsonHandler):
    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        url = urlsplit(self.path)
        server.requests.append(
            {
                "path": url.path,
                "query": parse_qs(url.query),
                "authorization": self.headers.get("Authorization"),
                "body": body,
            }
        )
        mode = server.mode
        if mode == "slow":
            time.sleep(2.5)
            mode = "ALLOWED"
        if mode == "500":
            return self.answer(500, {"status_code": 3000, "status_message": "down"})
        if mode == "unknown":
            # tokens §12.2.2.2: an unknown token is HTTP 404 and OCPI 2004.
            return self.answer(404, {"status_code": 2004, "status_message": "Unknown Token"})
        info = {"allowed": mode, "token": {"uid": UID}, "authorization_reference": "REF-42"}
        if body:
            info["location"] = body
        self.answer(200, {"data": info, "status_code": 1000, "timestamp": "2025-01-01T00:00:00Z"})


class Emsp(FakeHttpServer):
    def __init__(self, mode: str = "ALLOWED"):
        super().__init__(EmspHandler)
        self.server.mode = mode
        self.server.requests = []

    @property
    def requests(self) -> list:
        return self.server.requests

    def set(self, mode: str) -> None:
        self.server.mode = mode


@pytest.fixture
def emsp_server(settings):
    # A partner on 127.0.0.1 over http: what DEBUG and private URLs allow.
    settings.DEBUG = True
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = True
    settings.CSMS_OCPI_AUTHORIZE_TIMEOUT = 1.0
    with Emsp() as server:
        yield server


@pytest.fixture
def partner(db, emsp_server) -> OcpiPartner:
    partner = registered_partner(
        "Roaming eMSP", "NL", "EMS", (TOKEN_B, "their-token-c"), "emsp.example.com"
    )
    partner.endpoints = [
        {"identifier": "tokens", "role": "SENDER", "url": f"{emsp_server.base}/ocpi/2.2.1/tokens"}
    ]
    partner.save()
    return partner


@pytest.fixture(autouse=True)
def evse(connector) -> Connector:
    return connector


def token(partner, whitelist: str, **changes):
    body = {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": UID,
        "type": "RFID",
        "contract_id": "NL-EMS-C00042",
        "issuer": "Roaming eMSP",
        "valid": True,
        "whitelist": whitelist,
        "last_updated": "2025-01-01T00:00:00Z",
        **changes,
    }
    return partner_token_upsert(partner=partner, token=token_from_ocpi(body))


def authorize16(chargepoint) -> dict:
    wire = Wire(ChargePoint16, chargepoint.chargepoint_id)
    return wire.result("Authorize", {"idTag": UID})["idTagInfo"]


def authorize201(chargepoint) -> dict:
    wire = Wire(ChargePoint201, chargepoint.chargepoint_id)
    return wire.result("Authorize", {"idToken": {"idToken": UID, "type": "ISO14443"}})[
        "idTokenInfo"
    ]


AUTHORIZE = {"1.6": authorize16, "2.0.1": authorize201}
both_versions = pytest.mark.parametrize("version", ["1.6", "2.0.1"])


@both_versions
@pytest.mark.parametrize("whitelist", ["ALWAYS", "ALLOWED"])
def test_a_whitelisted_token_is_accepted_without_asking_the_emsp(
    version, whitelist, partner, emsp_server, chargepoint
):
    token(partner, whitelist)

    assert AUTHORIZE[version](chargepoint) == {"status": "Accepted"}
    assert emsp_server.requests == []
    assert not OcpiAuthorization.objects.exists()


@both_versions
def test_an_invalid_whitelisted_token_is_blocked_without_asking(
    version, partner, emsp_server, chargepoint
):
    token(partner, "ALWAYS", valid=False)

    assert AUTHORIZE[version](chargepoint) == {"status": "Blocked"}
    assert emsp_server.requests == []


@both_versions
def test_never_asks_the_emsp_where_the_token_is_presented(
    version, partner, emsp_server, chargepoint, location
):
    token(partner, "NEVER")

    assert AUTHORIZE[version](chargepoint) == {"status": "Accepted"}
    [request] = emsp_server.requests
    assert request["path"] == f"/ocpi/2.2.1/tokens/{UID}/authorize"
    assert request["query"] == {"type": ["RFID"]}
    assert request["authorization"] == "Token " + base64.b64encode(TOKEN_B.encode()).decode()
    # tokens §12.4.3 LocationReferences: the charger's location and its EVSEs.
    assert request["body"] == {"location_id": str(location.pk), "evse_uids": ["CP-TEST-1*1"]}
    stored = OcpiAuthorization.objects.get()
    assert (stored.source, stored.allowed, stored.authorization_reference) == (
        "REALTIME",
        "ALLOWED",
        "REF-42",
    )
    assert stored.location_id == str(location.pk) and stored.transaction is None


@pytest.mark.parametrize(
    ("allowed", "v16", "v201"),
    [
        ("BLOCKED", "Blocked", "Blocked"),
        ("EXPIRED", "Expired", "Expired"),
        ("NO_CREDIT", "Invalid", "NoCredit"),
        ("NOT_ALLOWED", "Invalid", "NotAtThisLocation"),
    ],
)
def test_the_emsps_verdict_is_the_answer_in_each_version(
    allowed, v16, v201, partner, emsp_server, chargepoint
):
    token(partner, "NEVER")
    emsp_server.set(allowed)

    assert authorize16(chargepoint) == {"status": v16}
    assert authorize201(chargepoint) == {"status": v201}
    assert list(OcpiAuthorization.objects.values_list("allowed", flat=True)) == [allowed] * 2


@both_versions
@pytest.mark.parametrize("failure", ["slow", "500"])
def test_allowed_offline_falls_back_to_the_whitelist_when_the_emsp_fails(
    version, failure, partner, emsp_server, chargepoint
):
    token(partner, "ALLOWED_OFFLINE")
    emsp_server.set(failure)

    assert AUTHORIZE[version](chargepoint) == {"status": "Accepted"}
    assert len(emsp_server.requests) == 1
    assert not OcpiAuthorization.objects.exists()


@both_versions
def test_allowed_offline_follows_a_reachable_emsps_no(version, partner, emsp_server, chargepoint):
    token(partner, "ALLOWED_OFFLINE")
    emsp_server.set("BLOCKED")

    assert AUTHORIZE[version](chargepoint) == {"status": "Blocked"}


@both_versions
@pytest.mark.parametrize("failure", ["slow", "500", "down"])
def test_never_is_not_accepted_when_the_emsp_fails(
    version, failure, partner, emsp_server, chargepoint
):
    token(partner, "NEVER")
    if failure == "down":
        partner.endpoints = [
            {"identifier": "tokens", "role": "SENDER", "url": "http://127.0.0.1:9/tokens"}
        ]
        partner.save()
    emsp_server.set(failure)

    assert AUTHORIZE[version](chargepoint) == {"status": "Invalid"}
    assert not OcpiAuthorization.objects.exists()


@both_versions
def test_a_token_the_emsp_does_not_know_is_not_accepted(version, partner, emsp_server, chargepoint):
    token(partner, "NEVER")
    emsp_server.set("unknown")

    assert AUTHORIZE[version](chargepoint) == {"status": "Invalid"}


@both_versions
def test_a_token_the_emsp_made_invalid_is_asked_again_in_real_time(
    version, partner, emsp_server, chargepoint
):
    # tokens §12.4.5: validity has no influence where real-time is required.
    token(partner, "NEVER", valid=False)

    assert AUTHORIZE[version](chargepoint) == {"status": "Accepted"}
    assert len(emsp_server.requests) == 1


@both_versions
@pytest.mark.parametrize("status", ["SUSPENDED", "PENDING"])
def test_a_suspended_partners_token_is_refused(version, status, partner, emsp_server, chargepoint):
    token(partner, "ALWAYS")
    partner.status = status
    partner.save()

    assert AUTHORIZE[version](chargepoint) == {"status": "Invalid"}
    assert emsp_server.requests == []


def test_the_emsp_is_asked_outside_the_database_threads(
    partner, emsp_server, chargepoint, monkeypatch
):
    import billing.ocpi.realtime as realtime

    threads = []
    real_call = realtime.ocpi_call

    def watched(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_call(*args, **kwargs)

    monkeypatch.setattr(realtime, "ocpi_call", watched)
    token(partner, "NEVER")

    assert authorize16(chargepoint) == {"status": "Accepted"}
    # Tests run the database work in the test's own thread (tests/conftest.py);
    # served by gateway writers, it would be one named gateway-db-N.
    assert threads and threads[0] is not threading.main_thread()
    assert not threads[0].name.startswith("gateway-db")


def test_our_own_drivers_tags_are_not_the_authoritys(partner, emsp_server, chargepoint, driver):
    from accounts.models import IdTag

    IdTag.objects.create(idToken=UID, user=driver)

    assert authorize16(chargepoint) == {"status": "Accepted"}
    assert emsp_server.requests == []


# -- starts: no real-time call; the eMSP's yes goes with the transaction -----------


def start16(chargepoint) -> tuple[Wire, dict]:
    wire = Wire(ChargePoint16, chargepoint.chargepoint_id)
    answer = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": UID, "meterStart": 1000, "timestamp": "2025-03-01T10:00:00Z"},
        "start",
    )
    return wire, answer


def test_a_never_token_starts_only_after_the_emsps_yes(partner, emsp_server, chargepoint):
    token(partner, "NEVER")

    _, answer = start16(chargepoint)

    assert answer["idTagInfo"] == {"status": "Invalid"}
    assert emsp_server.requests == []


def test_the_authorization_reference_reaches_the_session_and_the_cdr_16(
    partner, emsp_server, chargepoint
):
    token(partner, "NEVER")
    assert authorize16(chargepoint) == {"status": "Accepted"}

    wire, answer = start16(chargepoint)

    assert answer["idTagInfo"] == {"status": "Accepted"}
    assert len(emsp_server.requests) == 1  # the start asked nobody
    tx = Transaction.objects.get(pk=answer["transactionId"])
    assert OcpiAuthorization.objects.get().transaction == tx
    session = session_ocpi(tx, partner=partner)
    assert session["authorization_reference"] == "REF-42"
    assert session["auth_method"] == "AUTH_REQUEST"
    assert session["cdr_token"]["contract_id"] == "NL-EMS-C00042"
    wire.result(
        "StopTransaction",
        {
            "transactionId": tx.pk,
            "idTag": UID,
            "meterStop": 5000,
            "timestamp": "2025-03-01T10:30:00Z",
        },
        "stop",
    )
    cdr = CDR.objects.get(transaction=tx)
    assert (cdr.authorization_reference, cdr.auth_method) == ("REF-42", "AUTH_REQUEST")


def test_the_authorization_reference_reaches_the_session_201(partner, emsp_server, chargepoint):
    from tests.ocpp_gateway.v201.handlers.helpers import TX_ID, started

    token(partner, "ALLOWED_OFFLINE")
    assert authorize201(chargepoint) == {"status": "Accepted"}

    wire = Wire(ChargePoint201, chargepoint.chargepoint_id)
    answer = wire.result("TransactionEvent", started(idToken={"idToken": UID, "type": "ISO14443"}))

    assert answer["idTokenInfo"]["status"] == "Accepted"
    tx = Transaction.objects.get(charger_transaction_id=TX_ID)
    session = session_ocpi(tx, partner=partner)
    assert (session["authorization_reference"], session["auth_method"]) == (
        "REF-42",
        "AUTH_REQUEST",
    )


def test_the_yes_a_transaction_started_on_holds_for_its_later_events_201(
    partner, emsp_server, chargepoint
):
    from tests.ocpp_gateway.v201.handlers.helpers import started, transaction_event

    token(partner, "NEVER")
    assert authorize201(chargepoint) == {"status": "Accepted"}
    wire = Wire(ChargePoint201, chargepoint.chargepoint_id)
    id_token = {"idToken": UID, "type": "ISO14443"}
    assert wire.result("TransactionEvent", started(idToken=id_token))["idTokenInfo"] == {
        "status": "Accepted"
    }

    # A 2.0.1 event carrying the token again is answered with its status: still the
    # eMSP's yes, not Invalid (a charger may stop on Invalid, E05.FR.09).
    answer = wire.result(
        "TransactionEvent",
        transaction_event(
            "Updated",
            seq_no=1,
            trigger_reason="Authorized",
            timestamp="2025-03-01T10:05:00Z",
            idToken=id_token,
        ),
    )
    assert answer["idTokenInfo"]["status"] == "Accepted"
    assert len(emsp_server.requests) == 1


def test_a_start_session_yes_starts_a_never_token_as_command(partner, emsp_server, chargepoint):
    issued = token(partner, "NEVER")
    ocpi_authorization_record(
        token=issued, source="COMMAND", allowed="ALLOWED", authorization_reference="CMD-1"
    )

    _, answer = start16(chargepoint)

    assert answer["idTagInfo"] == {"status": "Accepted"}
    assert emsp_server.requests == []
    tx = Transaction.objects.get(pk=answer["transactionId"])
    session = session_ocpi(tx, partner=partner)
    assert (session["authorization_reference"], session["auth_method"]) == ("CMD-1", "COMMAND")


@pytest.mark.parametrize(
    "location_id, evse_uids, expected",
    [
        ("OTHER-LOC", [], "Invalid"),  # a yes for another location
        ("{here}", ["CP-TEST-1*2"], "Invalid"),  # here, but for an EVSE this charger lacks
        ("{here}", ["CP-TEST-1*1"], "Accepted"),
        ("{here}", [], "Accepted"),  # the location, any of its EVSEs
    ],
)
def test_a_yes_for_a_place_starts_the_token_there_only(
    partner, emsp_server, chargepoint, location, location_id, evse_uids, expected
):
    # tokens §12.3.1 AuthorizationInfo.location: the EVSEs the driver may charge at.
    issued = token(partner, "NEVER")
    ocpi_authorization_record(
        token=issued,
        source="REALTIME",
        allowed="ALLOWED",
        location_id=location_id.format(here=location.pk),
        evse_uids=evse_uids,
    )

    _, answer = start16(chargepoint)

    assert answer["idTagInfo"] == {"status": expected}
    linked = OcpiAuthorization.objects.get().transaction_id
    assert (linked is not None) == (expected == "Accepted")


def test_an_expired_yes_does_not_start_a_never_token(partner, emsp_server, chargepoint, settings):
    issued = token(partner, "NEVER")
    settings.CSMS_OCPI_AUTHORIZATION_TTL = 0
    ocpi_authorization_record(token=issued, source="REALTIME", allowed="ALLOWED")

    _, answer = start16(chargepoint)

    assert answer["idTagInfo"] == {"status": "Invalid"}


def test_a_whitelisted_start_is_whitelist_without_a_reference(partner, emsp_server, chargepoint):
    token(partner, "ALWAYS")

    _, answer = start16(chargepoint)

    tx = Transaction.objects.get(pk=answer["transactionId"])
    session = session_ocpi(tx, partner=partner)
    assert session["auth_method"] == "WHITELIST"
    assert "authorization_reference" not in session

"""Commands receiver (OCPI 2.2.1 commands §13): what an eMSP's command becomes at our
chargers, what it is answered at once, and the CommandResult it is sent later."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import IdTag
from billing.models import OcpiAuthorization, OcpiCommand, OcpiPush, PartnerToken
from billing.ocpi.command_results import ocpi_command_finish, ocpi_command_results_collect
from chargepoints.enums import CommandRefusal, CommandStatus, ReservationStatus, TransactionStatus
from chargepoints.models import ChargePoint, Command, Connector, Location, Reservation, Transaction
from chargepoints.services.commands import command_finish
from tests.billing.ocpi.conftest import TOKEN_A, TOKEN_C, Partner, envelope, issued_tag

COMMANDS = "/ocpi/2.2.1/commands/"
RESULT_URL = "https://emsp.example.com/ocpi/emsp/2.2.1/commands/{}/42"
EVSE = "CP-TEST-1*1"


@pytest.fixture(autouse=True)
def public_urls_only(settings):
    # Production: a partner's URL must be public (billing/ocpi/addresses.py).
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = False


def token(uid="EMSP-TAG-1", *, country_code="NL", party_id="EMS", valid=True) -> dict:
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": uid,
        "type": "RFID",
        "contract_id": "NL-EMS-C00000001",
        "issuer": "Roaming eMSP",
        "valid": valid,
        "whitelist": "ALLOWED",
        "last_updated": "2024-05-01T10:00:00Z",
    }


def start_body(location, **fields) -> dict:
    body = {
        "response_url": RESULT_URL.format("START_SESSION"),
        "token": token(),
        "location_id": location.pk,
        "evse_uid": EVSE,
        "connector_id": "1",
        "authorization_reference": "AUTH-REF-1",
    }
    return {**body, **fields}


def reserve_body(location, **fields) -> dict:
    expiry = timezone.now() + datetime.timedelta(minutes=30)
    body = {
        "response_url": RESULT_URL.format("RESERVE_NOW"),
        "token": token(),
        "expiry_date": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reservation_id": "EMSP-RES-1",
        "location_id": location.pk,
        "evse_uid": EVSE,
    }
    return {**body, **fields}


def post(partner: Partner, command: str, body) -> dict:
    return partner.send("POST", COMMANDS + command, body)


def answered(response, *, result: str, code: int = 1000) -> dict:
    data = envelope(response, code=code)["data"]
    assert data["result"] == result, data
    assert data["timeout"] == 60
    return data


def pushed(ocpi_command: OcpiCommand) -> list[OcpiPush]:
    return list(OcpiPush.objects.filter(object_key=f"command:{ocpi_command.pk}"))


def the_result(ocpi_command: OcpiCommand) -> str:
    """The one CommandResult queued for the command: its result type."""
    [push] = pushed(ocpi_command)
    assert push.partner_id == ocpi_command.partner_id
    assert (push.module, push.method, push.url) == ("commands", "POST", ocpi_command.response_url)
    assert push.body["message"][0]["language"] == "en"
    return push.body["result"]


# -- START_SESSION ------------------------------------------------------------------


def test_start_session_becomes_a_remote_start_with_the_partners_token(
    emsp, registered, location, online, charger
):
    charger(CommandStatus.ACCEPTED, {"status": "Accepted"})

    response = post(emsp, "START_SESSION", start_body(location))

    answered(response, result="ACCEPTED")
    command = Command.objects.get()
    assert command.name == "remote_start" and command.source == "ocpi"
    assert command.chargepoint_id == "CP-TEST-1"
    assert command.params["id_tag"] == "EMSP-TAG-1"
    assert command.params["connector_id"] == 1
    issued = PartnerToken.objects.get(uid="EMSP-TAG-1")
    assert issued.partner == registered and issued.id_tag.idToken == "EMSP-TAG-1"
    authorization = OcpiAuthorization.objects.get()
    assert authorization.token == issued
    assert authorization.source == OcpiAuthorization.Source.COMMAND
    assert authorization.allowed == "ALLOWED"
    assert authorization.authorization_reference == "AUTH-REF-1"
    ocpi_command = OcpiCommand.objects.get()
    assert ocpi_command.command == command and ocpi_command.type == "START_SESSION"
    assert ocpi_command.request["authorization_reference"] == "AUTH-REF-1"
    assert the_result(ocpi_command) == "ACCEPTED"


def test_a_rejected_start_is_reported_rejected(emsp, location, online, charger):
    charger(CommandStatus.REJECTED, {"status": "Rejected"})

    answered(post(emsp, "START_SESSION", start_body(location)), result="ACCEPTED")

    assert the_result(OcpiCommand.objects.get()) == "REJECTED"


def test_an_unanswered_start_times_out_once(emsp, location, online, charger):
    answered(post(emsp, "START_SESSION", start_body(location)), result="ACCEPTED")
    ocpi_command = OcpiCommand.objects.get()
    assert ocpi_command_results_collect() == 0
    assert pushed(ocpi_command) == []

    later = timezone.now() + datetime.timedelta(seconds=61)
    assert ocpi_command_results_collect(now=later) == 1
    assert ocpi_command_results_collect(now=later) == 0

    assert the_result(ocpi_command) == "TIMEOUT"


def test_a_charger_answer_found_later_is_collected(emsp, location, online, charger):
    answered(post(emsp, "START_SESSION", start_body(location)), result="ACCEPTED")
    command = Command.objects.get()
    command_finish(
        chargepoint_id="CP-TEST-1",
        command_id=command.pk,
        status=CommandStatus.ACCEPTED,
        response={"status": "Accepted"},
    )

    assert ocpi_command_results_collect() == 1

    assert the_result(OcpiCommand.objects.get()) == "ACCEPTED"


def test_an_offline_charger_is_accepted_then_reported_inoperative(
    emsp, location, chargepoint, connector
):
    answered(post(emsp, "START_SESSION", start_body(location)), result="ACCEPTED")

    assert Command.objects.get().status == CommandStatus.CHARGER_OFFLINE
    assert the_result(OcpiCommand.objects.get()) == "EVSE_INOPERATIVE"


def test_an_occupied_evse_is_reported_at_once_and_nothing_is_sent(
    emsp, location, online, connector, charger
):
    Transaction.objects.create(
        chargepoint=online,
        connector=connector,
        start_transaction_timestamp=timezone.now(),
        wh_meter_start=0,
    )

    answered(post(emsp, "START_SESSION", start_body(location)), result="ACCEPTED")

    assert not Command.objects.exists()
    assert the_result(OcpiCommand.objects.get()) == "EVSE_OCCUPIED"


@pytest.mark.parametrize(
    "where",
    [
        {"location_id": "NO-SUCH-LOCATION"},
        {"evse_uid": "CP-TEST-1*9"},
        {"evse_uid": "CP-OTHER*1"},
        {"connector_id": "7"},
    ],
)
def test_an_unknown_location_evse_or_connector_is_2003_rejected(
    emsp, location, online, charger, where
):
    response = post(emsp, "START_SESSION", start_body(location, **where))

    answered(response, result="REJECTED", code=2003)
    assert not Command.objects.exists() and not OcpiCommand.objects.exists()


def test_a_charger_of_another_location_or_of_none_is_unknown_here(emsp, location, online):
    elsewhere = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Elsewhere",
        address="Nebenstraße 2",
        city="Berlin",
        coordinates={"latitude": "52.50", "longitude": "13.30"},
    )
    homeless = ChargePoint.objects.create(chargepoint_id="CP-NOWHERE", connected=True)
    Connector.objects.create(chargepoint=homeless, connectorid=1)

    for body in (
        start_body(elsewhere),
        start_body(location, evse_uid="CP-NOWHERE*1"),
    ):
        answered(post(emsp, "START_SESSION", body), result="REJECTED", code=2003)

    assert not Command.objects.exists()


@pytest.mark.parametrize(
    "given",
    [
        token(country_code="BE", party_id="OTH"),  # another party's token
        token(valid=False),
    ],
)
def test_a_token_not_of_the_partner_or_not_valid_is_rejected(
    emsp, location, online, charger, given
):
    response = post(emsp, "START_SESSION", start_body(location, token=given))

    answered(response, result="REJECTED")
    assert not Command.objects.exists() and not OcpiCommand.objects.exists()
    assert not PartnerToken.objects.exists()


def test_a_uid_of_our_own_driver_or_of_another_partner_is_rejected(
    emsp, other, location, online, charger
):
    IdTag.objects.create(idToken="OUR-DRIVER")
    issued_tag(other, "OTHER-TAG")

    for uid in ("OUR-DRIVER", "other-tag"):
        response = post(emsp, "START_SESSION", start_body(location, token=token(uid)))
        answered(response, result="REJECTED")

    assert not Command.objects.exists()
    assert PartnerToken.objects.get().partner == other


def test_a_token_we_blocked_is_rejected(emsp, registered, location, online, charger):
    answered(post(emsp, "START_SESSION", start_body(location)), result="ACCEPTED")
    IdTag.objects.filter(idToken="EMSP-TAG-1").update(revoked=True)  # the operator's block

    answered(post(emsp, "START_SESSION", start_body(location)), result="REJECTED")

    assert Command.objects.count() == 1
    assert OcpiAuthorization.objects.count() == 1


def test_an_older_copy_of_the_token_does_not_overwrite_the_one_pushed_since(
    emsp, registered, location, online, charger
):
    newer = {**token(), "whitelist": "NEVER", "last_updated": "2024-06-01T10:00:00Z"}
    put = emsp.send("PUT", "/ocpi/2.2.1/tokens/NL/EMS/EMSP-TAG-1", newer)
    assert put.status_code == 201
    charger(CommandStatus.ACCEPTED, {"status": "Accepted"})

    answered(post(emsp, "START_SESSION", start_body(location)), result="ACCEPTED")

    held = PartnerToken.objects.get(uid="EMSP-TAG-1")
    assert held.whitelist == "NEVER"
    assert held.last_updated.isoformat() == "2024-06-01T10:00:00+00:00"
    assert Command.objects.get().params["id_tag"] == "EMSP-TAG-1"


def test_without_an_evse_an_available_one_of_the_location_is_chosen(
    emsp, location, online, charger
):
    body = _without(_without(start_body(location), "evse_uid"), "connector_id")

    answered(post(emsp, "START_SESSION", body), result="ACCEPTED")

    command = Command.objects.get()
    assert command.chargepoint_id == "CP-TEST-1" and command.params["connector_id"] == 1


# -- STOP_SESSION ---------------------------------------------------------------------


def session(connector, uid: str, **fields) -> Transaction:
    return Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        id_tag_id=uid,
        id_token=uid,
        start_transaction_timestamp=timezone.now(),
        wh_meter_start=0,
        **fields,
    )


def stop_body(session_id) -> dict:
    return {"response_url": RESULT_URL.format("STOP_SESSION"), "session_id": str(session_id)}


def test_stop_session_stops_the_partners_transaction(
    emsp, registered, location, online, connector, charger
):
    issued_tag(registered, "EMSP-TAG-1")
    tx = session(connector, "EMSP-TAG-1")
    charger(CommandStatus.ACCEPTED, {"status": "Accepted"})

    answered(post(emsp, "STOP_SESSION", stop_body(tx.uuid)), result="ACCEPTED")

    command = Command.objects.get()
    assert command.name == "remote_stop" and command.source == "ocpi"
    assert command.params["transaction_id"] == tx.pk and command.transaction == tx
    assert the_result(OcpiCommand.objects.get()) == "ACCEPTED"


def test_another_partners_or_our_drivers_or_an_ended_session_is_unknown(
    emsp, registered, other, location, online, connector, charger
):
    issued_tag(other, "OTHER-TAG")
    IdTag.objects.create(idToken="OUR-DRIVER")
    issued_tag(registered, "EMSP-TAG-1")
    theirs = session(connector, "OTHER-TAG")
    ours = session(connector, "OUR-DRIVER")
    ended = session(
        connector,
        "EMSP-TAG-1",
        transaction_status=TransactionStatus.COMPLETED,
        stop_transaction_timestamp=timezone.now(),
    )

    for session_id in (theirs.uuid, ours.uuid, ended.uuid, "not-a-session"):
        data = answered(post(emsp, "STOP_SESSION", stop_body(session_id)), result="UNKNOWN_SESSION")
        assert data["message"][0]["text"] == "Unknown session."

    assert not Command.objects.exists() and not OcpiCommand.objects.exists()


# -- RESERVE_NOW and CANCEL_RESERVATION --------------------------------------------------


def test_reserve_now_reserves_under_our_own_id_and_cancel_finds_it(
    emsp, registered, location, online, charger
):
    charger(CommandStatus.ACCEPTED, {"status": "Accepted"})

    answered(post(emsp, "RESERVE_NOW", reserve_body(location)), result="ACCEPTED")

    command = Command.objects.get()
    assert command.name == "reserve_now" and command.source == "ocpi"
    assert command.params["id_tag"] == "EMSP-TAG-1" and command.params["connector_id"] == 1
    # Commands §13.3.4: the eMSP's reservation_id is never sent to the charger.
    assert command.params["reservation_id"] != "EMSP-RES-1"
    reservation = Reservation.objects.get(reservation_id=command.params["reservation_id"])
    reserve = OcpiCommand.objects.get()
    assert reserve.ocpi_reservation_id == "EMSP-RES-1" and reserve.reservation == reservation
    assert the_result(reserve) == "ACCEPTED"

    body = {"response_url": RESULT_URL.format("CANCEL_RESERVATION"), "reservation_id": "EMSP-RES-1"}
    answered(post(emsp, "CANCEL_RESERVATION", body), result="ACCEPTED")

    cancel = Command.objects.get(name="cancel_reservation")
    assert cancel.params["reservation_id"] == reservation.reservation_id
    assert cancel.source == "ocpi"
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELED
    assert the_result(OcpiCommand.objects.get(type="CANCEL_RESERVATION")) == "ACCEPTED"


def test_an_active_reservation_id_is_not_reserved_twice(emsp, location, online, charger):
    charger(CommandStatus.ACCEPTED, {"status": "Accepted"})
    answered(post(emsp, "RESERVE_NOW", reserve_body(location)), result="ACCEPTED")

    data = answered(post(emsp, "RESERVE_NOW", reserve_body(location)), result="REJECTED")

    assert "CANCEL_RESERVATION" in data["message"][0]["text"]
    assert Command.objects.count() == 1 and Reservation.objects.count() == 1


def test_another_partners_reservation_is_unknown(emsp, other_emsp, location, online, charger):
    charger(CommandStatus.ACCEPTED, {"status": "Accepted"})
    answered(post(emsp, "RESERVE_NOW", reserve_body(location)), result="ACCEPTED")

    body = {"response_url": RESULT_URL.format("CANCEL_RESERVATION"), "reservation_id": "EMSP-RES-1"}
    answered(post(other_emsp, "CANCEL_RESERVATION", body), result="ACCEPTED")

    assert not Command.objects.filter(name="cancel_reservation").exists()
    assert Reservation.objects.get().status == ReservationStatus.ACTIVE
    assert the_result(OcpiCommand.objects.get(type="CANCEL_RESERVATION")) == "UNKNOWN_RESERVATION"


def test_a_reservation_refused_as_occupied_is_reported_occupied(emsp, location, online, charger):
    charger(CommandStatus.REJECTED, {"status": "Occupied"}, CommandRefusal.OCCUPIED)

    answered(post(emsp, "RESERVE_NOW", reserve_body(location)), result="ACCEPTED")

    assert not Reservation.objects.exists()
    assert the_result(OcpiCommand.objects.get()) == "EVSE_OCCUPIED"


# -- UNLOCK_CONNECTOR -------------------------------------------------------------------


def test_unlock_connector_unlocks_the_named_connector(emsp, location, online, charger):
    charger(CommandStatus.REJECTED, {"status": "UnlockFailed"}, CommandRefusal.FAILED)
    body = {
        "response_url": RESULT_URL.format("UNLOCK_CONNECTOR"),
        "location_id": location.pk,
        "evse_uid": EVSE,
        "connector_id": "1",
    }

    answered(post(emsp, "UNLOCK_CONNECTOR", body), result="ACCEPTED")

    command = Command.objects.get()
    assert command.name == "unlock_connector" and command.params["connector_id"] == 1
    assert the_result(OcpiCommand.objects.get()) == "FAILED"


# -- results: exactly once ------------------------------------------------------------------


def test_two_collectors_finishing_one_command_queue_one_result(emsp, location, online, charger):
    answered(post(emsp, "START_SESSION", start_body(location)), result="ACCEPTED")
    first, second = OcpiCommand.objects.get(), OcpiCommand.objects.get()

    assert ocpi_command_finish(ocpi_command=first, result="TIMEOUT", message="late")
    assert not ocpi_command_finish(ocpi_command=second, result="ACCEPTED", message="won?")

    assert the_result(first) == "TIMEOUT"
    assert OcpiCommand.objects.get().result == "TIMEOUT"


def test_collecting_with_nothing_to_do_is_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert ocpi_command_results_collect() == 0


# -- bad input, and who may call ------------------------------------------------------------


def _without(body: dict, name: str) -> dict:
    return {key: value for key, value in body.items() if key != name}


BAD_BODIES = [
    ("START_SESSION", "JSON object", lambda loc: [start_body(loc)]),
    ("START_SESSION", "response_url", lambda loc: _without(start_body(loc), "response_url")),
    (
        "START_SESSION",
        "https://",
        lambda loc: start_body(loc, response_url="ftp://emsp.example.com/r"),
    ),
    (
        "START_SESSION",
        "https://",
        lambda loc: start_body(loc, response_url="http://emsp.example.com/r"),
    ),
    (
        "START_SESSION",
        "response_url",
        lambda loc: start_body(loc, response_url="https://" + "e" * 250 + ".com"),
    ),
    ("START_SESSION", "response_url", lambda loc: start_body(loc, response_url=42)),
    ("START_SESSION", "token", lambda loc: _without(start_body(loc), "token")),
    ("START_SESSION", "uid", lambda loc: start_body(loc, token=_without(token(), "uid"))),
    ("START_SESSION", "type", lambda loc: start_body(loc, token={**token(), "type": "CARD"})),
    ("START_SESSION", "location_id", lambda loc: _without(start_body(loc), "location_id")),
    ("START_SESSION", "location_id", lambda loc: start_body(loc, location_id=7)),
    ("START_SESSION", "location_id", lambda loc: start_body(loc, location_id="L" * 37)),
    ("START_SESSION", "evse_uid", lambda loc: start_body(loc, evse_uid="")),
    # connector_id without evse_uid (commands §13.3.4).
    ("START_SESSION", "evse_uid", lambda loc: _without(start_body(loc), "evse_uid")),
    (
        "START_SESSION",
        "authorization_reference",
        lambda loc: start_body(loc, authorization_reference="\x00"),
    ),
    ("STOP_SESSION", "session_id", lambda loc: {"response_url": RESULT_URL.format("STOP")}),
    ("STOP_SESSION", "session_id", lambda loc: {**stop_body("x"), "session_id": None}),
    ("RESERVE_NOW", "expiry_date", lambda loc: _without(reserve_body(loc), "expiry_date")),
    ("RESERVE_NOW", "expiry_date", lambda loc: reserve_body(loc, expiry_date="tomorrow")),
    (
        "RESERVE_NOW",
        "expiry_date",
        lambda loc: reserve_body(loc, expiry_date="2020-01-01T00:00:00Z"),
    ),
    ("RESERVE_NOW", "reservation_id", lambda loc: _without(reserve_body(loc), "reservation_id")),
    ("RESERVE_NOW", "reservation_id", lambda loc: reserve_body(loc, reservation_id=12)),
    ("CANCEL_RESERVATION", "reservation_id", lambda loc: {"response_url": RESULT_URL.format("C")}),
    (
        "UNLOCK_CONNECTOR",
        "connector_id",
        lambda loc: {
            "response_url": RESULT_URL.format("U"),
            "location_id": loc.pk,
            "evse_uid": EVSE,
        },
    ),
]


@pytest.mark.parametrize(("command", "field", "make"), BAD_BODIES)
def test_bad_bodies_are_2001_naming_the_field_and_send_nothing(
    emsp, location, online, charger, command, field, make
):
    response = post(emsp, command, make(location))

    assert field in envelope(response, status=400, code=2001)["status_message"]
    assert not Command.objects.exists() and not OcpiCommand.objects.exists()
    assert not PartnerToken.objects.exists()


def test_a_body_that_is_not_json_is_2001(emsp, online):
    response = emsp.client.post(
        COMMANDS + "START_SESSION", "{nope", content_type="application/json", headers=emsp.headers
    )

    envelope(response, status=400, code=2001)
    assert not Command.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/commands/1",
        "https://10.1.2.3/commands/1",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/commands/1",
        "https://localhost:8443/commands/1",
    ],
)
def test_a_response_url_into_a_private_network_is_refused(
    emsp, location, online, charger, settings, url
):
    response = post(emsp, "START_SESSION", start_body(location, response_url=url))

    assert "response_url" in envelope(response, status=400, code=2001)["status_message"]
    assert not Command.objects.exists() and not OcpiCommand.objects.exists()

    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = True  # partners on a private interconnect
    answered(post(emsp, "START_SESSION", start_body(location, response_url=url)), result="ACCEPTED")


def test_an_unknown_command_is_not_supported(emsp):
    response = post(emsp, "SELF_DESTRUCT", {"response_url": RESULT_URL.format("X")})

    data = envelope(response, status=404, code=2000)["data"]
    assert data["result"] == "NOT_SUPPORTED"


@pytest.mark.parametrize("caller", [None, "wrong-token", TOKEN_A])
def test_a_caller_without_token_c_is_401(pending, location, online, charger, caller):
    response = post(Partner(caller), "START_SESSION", start_body(location))

    envelope(response, status=401, code=2001)
    assert not Command.objects.exists() and not OcpiCommand.objects.exists()


def test_only_post_is_served(emsp):
    envelope(emsp.get(COMMANDS + "START_SESSION"), status=405, code=2000)


def test_version_details_offer_the_commands_receiver(emsp):
    endpoints = envelope(emsp.get("/ocpi/2.2.1"))["data"]["endpoints"]

    [commands] = [e for e in endpoints if e["identifier"] == "commands"]
    assert commands["role"] == "RECEIVER"
    assert commands["url"] == "http://testserver/ocpi/2.2.1/commands/"
    # {commands_endpoint_url}{command}, with or without a slash of the client's own.
    doubled = Partner(TOKEN_C).send("POST", commands["url"] + "/X", {})
    assert envelope(doubled, status=404, code=2000)["data"]["result"] == "NOT_SUPPORTED"

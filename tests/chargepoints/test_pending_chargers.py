"""Issue 16: a charger the operator has not accepted may only boot, beat and report status.

A review found a charger left Pending still authorizing tags and starting
transactions billed to a driver (who was notified). Now, for a Pending or
Rejected charger: Authorize answers Invalid without looking the token up;
an OCPP 1.6 StartTransaction is answered Invalid (and recorded, so its stop
still matches); an OCPP 2.0.1 TransactionEvent is accepted and the
transaction flagged; nothing is billed, nobody is notified, no driver session
gets it. The connection keeps its charger's registration (DESIGN rule 10):
an Authorize reads no charger row.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import IdTag, Notification
from billing.models import CDR, Tariff, TariffElement, TransactionPricing
from chargepoints.enums import RegistrationStatus
from chargepoints.models import ChargePoint, ChargingSession, Connector, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.v201.handlers.helpers import register, transaction_event

TAG = "DRIVER-CARD"
T0 = "2026-03-01T10:00:00Z"
T1 = "2026-03-01T11:00:00Z"
NOT_ACCEPTED = [RegistrationStatus.PENDING, RegistrationStatus.REJECTED]


@pytest.fixture
def tag(driver) -> IdTag:
    return IdTag.objects.create(idToken=TAG, user=driver)


@pytest.fixture
def priced(chargepoint) -> Connector:
    """Connector 1 (EVSE 1) costs 1 EUR a session: what would bill the driver."""
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", id="T-FLAT", currency="EUR")
    TariffElement.objects.create(
        tariff=tariff, position=0, price_components=[{"type": "FLAT", "price": 1.0, "step_size": 1}]
    )
    connector = Connector.objects.create(
        chargepoint=chargepoint, connectorid=1, evse_id=1, evse_connector_id=1
    )
    connector.tariff_ids.add(tariff)
    return connector


def decide(chargepoint: ChargePoint, status: str) -> None:
    chargepoint.registration_status = status
    chargepoint.save(update_fields=["registration_status"])


def boot16(wire: Wire, unique_id="boot") -> dict:
    payload = {"chargePointVendor": "ACME", "chargePointModel": "Duo"}
    return wire.result("BootNotification", payload, unique_id)


def boot201(wire: Wire, unique_id="boot") -> dict:
    payload = {"reason": "PowerUp", "chargingStation": {"model": "Wallbox", "vendorName": "BMW"}}
    return wire.result("BootNotification", payload, unique_id)


def authorize16(wire: Wire, unique_id="auth") -> list:
    return wire.call("Authorize", {"idTag": TAG}, unique_id)


def authorize201(wire: Wire, unique_id="auth") -> list:
    return wire.call("Authorize", {"idToken": {"idToken": TAG, "type": "ISO14443"}}, unique_id)


def nothing_billed_or_told(tx: Transaction) -> None:
    assert tx.user is None
    assert not TransactionPricing.objects.filter(transaction=tx).exists()
    assert not CDR.objects.exists()
    assert not ChargingSession.objects.exists()
    assert not Notification.objects.exists()


# -- Authorize ------------------------------------------------------------------------


@pytest.mark.parametrize("decision", NOT_ACCEPTED)
def test_a_16_charger_not_accepted_is_told_invalid_for_any_tag(chargepoint, tag, decision):
    decide(chargepoint, decision)
    wire = Wire(ChargePoint16, chargepoint.pk)

    assert boot16(wire)["status"] == decision
    assert authorize16(wire) == [3, "auth", {"idTagInfo": {"status": "Invalid"}}]


@pytest.mark.parametrize("decision", NOT_ACCEPTED)
def test_a_201_charger_not_accepted_is_told_invalid_for_any_token(chargepoint, tag, decision):
    decide(chargepoint, decision)
    wire = Wire(ChargePoint201, chargepoint.pk)

    # Even without booting first on this connection.
    assert authorize201(wire) == [3, "auth", {"idTokenInfo": {"status": "Invalid"}}]


def test_a_charger_accepted_at_its_next_boot_authorizes_again(chargepoint, tag):
    decide(chargepoint, RegistrationStatus.PENDING)
    wire = Wire(ChargePoint16, chargepoint.pk)
    boot16(wire, "boot-1")
    decide(chargepoint, RegistrationStatus.ACCEPTED)

    # OCPP 1.6 §4.2: it is Pending until a boot is answered Accepted.
    assert authorize16(wire, "auth-1")[2] == {"idTagInfo": {"status": "Invalid"}}
    assert boot16(wire, "boot-2")["status"] == "Accepted"
    assert authorize16(wire, "auth-2")[2]["idTagInfo"]["status"] == "Accepted"


def test_a_connection_reads_its_chargers_registration_once(chargepoint, tag):
    decide(chargepoint, RegistrationStatus.PENDING)
    wire = Wire(ChargePoint16, chargepoint.pk)
    assert authorize16(wire, "auth-1")[2] == {"idTagInfo": {"status": "Invalid"}}

    with CaptureQueriesContext(connection) as queries:
        assert authorize16(wire, "auth-2")[2] == {"idTagInfo": {"status": "Invalid"}}

    charger_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and '"chargepoints_chargepoint"' in query["sql"]
    ]
    assert charger_reads == []


def test_a_pending_charger_cannot_probe_which_tokens_are_valid(chargepoint, tag):
    decide(chargepoint, RegistrationStatus.PENDING)
    wire = Wire(ChargePoint16, chargepoint.pk)
    boot16(wire)

    known = authorize16(wire, "known")
    unknown = wire.call("Authorize", {"idTag": "NOBODY"}, "unknown")

    assert known[2] == unknown[2] == {"idTagInfo": {"status": "Invalid"}}


# -- transactions ----------------------------------------------------------------------


@pytest.mark.parametrize("decision", NOT_ACCEPTED)
def test_a_16_start_of_a_charger_not_accepted_is_invalid_and_its_stop_matches(
    chargepoint, tag, priced, decision
):
    decide(chargepoint, decision)
    wire = Wire(ChargePoint16, chargepoint.pk)
    boot16(wire)

    start = wire.call(
        "StartTransaction",
        {"connectorId": 1, "idTag": TAG, "meterStart": 1000, "timestamp": T0},
        "start",
    )
    tx = Transaction.objects.get()
    assert start == [3, "start", {"transactionId": tx.pk, "idTagInfo": {"status": "Invalid"}}]
    stop = wire.call(
        "StopTransaction",
        {"transactionId": tx.pk, "meterStop": 4000, "timestamp": T1, "idTag": TAG},
        "stop",
    )

    assert stop == [3, "stop", {"idTagInfo": {"status": "Invalid"}}]
    tx = Transaction.objects.get()
    assert (tx.transaction_status, tx.wh_meter_stop, tx.start_status) == (
        "COMPLETED",
        4000.0,
        "Invalid",
    )
    assert tx.needs_review and decision in tx.review_note
    nothing_billed_or_told(tx)


@pytest.mark.parametrize("decision", NOT_ACCEPTED)
def test_a_201_start_of_a_charger_not_accepted_is_accepted_and_flagged(
    chargepoint, tag, priced, decision
):
    decide(chargepoint, decision)
    wire = Wire(ChargePoint201, chargepoint.pk)
    started = transaction_event(
        "Started",
        seq_no=0,
        trigger_reason="Authorized",
        timestamp=T0,
        transaction_id="tx-1",
        evse={"id": 1, "connectorId": 1},
        idToken={"idToken": TAG, "type": "ISO14443"},
        samples=[register(1000, context="Transaction.Begin")],
    )
    ended = transaction_event(
        "Ended",
        seq_no=1,
        trigger_reason="EVDeparted",
        timestamp=T1,
        transaction_id="tx-1",
        stopped_reason="EVDisconnected",
        samples=[register(4000, context="Transaction.End")],
    )

    assert wire.call("TransactionEvent", started, "1") == [
        3,
        "1",
        {"idTokenInfo": {"status": "Invalid"}},
    ]
    assert wire.call("TransactionEvent", ended, "2") == [3, "2", {}]

    tx = Transaction.objects.get()
    assert (tx.transaction_status, tx.start_status, tx.needs_review) == (
        "COMPLETED",
        "Invalid",
        True,
    )
    assert (tx.id_token, tx.wh_meter_stop) == (TAG, 4000.0)
    nothing_billed_or_told(tx)


def test_a_201_start_without_a_token_of_a_charger_not_accepted_is_flagged(chargepoint, priced):
    decide(chargepoint, RegistrationStatus.PENDING)
    wire = Wire(ChargePoint201, chargepoint.pk)
    started = transaction_event(
        "Started",
        seq_no=0,
        trigger_reason="CablePluggedIn",
        timestamp=T0,
        transaction_id="tx-1",
        evse={"id": 1, "connectorId": 1},
    )

    assert wire.call("TransactionEvent", started, "1") == [3, "1", {}]

    tx = Transaction.objects.get()
    assert (tx.start_status, tx.needs_review) == ("Invalid", True)
    nothing_billed_or_told(tx)


def test_a_pending_charger_still_beats_and_reports_status(chargepoint):
    decide(chargepoint, RegistrationStatus.PENDING)
    wire = Wire(ChargePoint16, chargepoint.pk)

    assert boot16(wire)["status"] == "Pending"
    assert "currentTime" in wire.result("Heartbeat", {}, "beat")
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": T0}
    assert wire.call("StatusNotification", status, "status") == [3, "status", {}]


def test_an_end_never_seen_starting_from_a_charger_not_accepted_is_refused_too(chargepoint):
    decide(chargepoint, RegistrationStatus.REJECTED)
    wire = Wire(ChargePoint201, chargepoint.pk)
    ended = transaction_event(
        "Ended",
        seq_no=3,
        trigger_reason="EVDeparted",
        timestamp=T1,
        transaction_id="never-started",
        stopped_reason="EVDisconnected",
    )

    assert wire.call("TransactionEvent", ended, "1") == [3, "1", {}]

    tx = Transaction.objects.get()
    assert (tx.start_status, tx.needs_review, tx.transaction_status) == (
        "Invalid",
        True,
        "COMPLETED",
    )

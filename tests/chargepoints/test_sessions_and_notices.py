"""Sessions follow the charger's transactions; drivers are notified of what happens."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import IdTag, Notification
from accounts.services import profile_set_payment_card
from billing.models import Tariff
from chargepoints.enums import CommandStatus, ReservationStatus, SessionStatus
from chargepoints.models import ChargingSession, Reservation
from chargepoints.services.commands import command_finish
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.helpers import Wire

TAG = "NOTICE-TAG"
T0, T1, T2 = "2026-11-21T10:00:00Z", "2026-11-21T10:30:00Z", "2026-11-21T11:05:00Z"


@pytest.fixture
def tag(driver):
    return IdTag.objects.create(idToken=TAG, user=driver)


@pytest.fixture
def wire16(chargepoint, connector):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return Wire(ChargePoint16, chargepoint.pk)


@pytest.fixture
def wire201(chargepoint):
    chargepoint.ocpp_version = "ocpp2.0.1"
    chargepoint.save()
    return Wire(ChargePoint201, chargepoint.pk)


def asked(chargepoint, connector, driver, tag, **fields) -> ChargingSession:
    """A session as the API records it before sending the remote start."""
    return ChargingSession.objects.create(
        chargepoint=chargepoint, connector=connector, user=driver, id_tag=tag, **fields
    )


def start16(wire, tag=TAG, meter=10_000) -> int:
    answer = wire.result(
        "StartTransaction", {"connectorId": 1, "idTag": tag, "meterStart": meter, "timestamp": T0}
    )
    return answer["transactionId"]


def stop16(wire, tx_id, meter=17_000) -> None:
    wire.result(
        "StopTransaction",
        {"transactionId": tx_id, "meterStop": meter, "timestamp": T2, "reason": "EVDisconnected"},
    )


def event201(wire, event_type, seq, *, state="Charging", remote_start_id=None, energy=None):
    info = {"transactionId": "TX-201", "chargingState": state}
    if remote_start_id is not None:
        info["remoteStartId"] = remote_start_id
    payload = {
        "eventType": event_type,
        "timestamp": T0 if event_type == "Started" else T1,
        "triggerReason": "RemoteStart" if event_type == "Started" else "ChargingStateChanged",
        "seqNo": seq,
        "transactionInfo": info,
        "evse": {"id": 1, "connectorId": 1},
    }
    if event_type == "Started":
        payload["idToken"] = {"idToken": TAG, "type": "Central"}
    if energy is not None:
        payload["meterValue"] = [
            {
                "timestamp": T1,
                "sampledValue": [{"value": energy, "measurand": "Energy.Active.Import.Register"}],
            }
        ]
    if event_type == "Ended":
        payload["transactionInfo"]["stoppedReason"] = "Remote"
        payload["timestamp"] = T2
    return wire.result("TransactionEvent", payload)


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("type", flat=True)
    )


# -- sessions -------------------------------------------------------------------


def test_a_16_start_with_the_drivers_tag_joins_the_session_they_asked_for(
    wire16, chargepoint, connector, driver, tag
):
    session = asked(chargepoint, connector, driver, tag)
    tx_id = start16(wire16, tag=TAG.lower())
    session.refresh_from_db()
    assert session.transaction_id == tx_id
    assert session.status == SessionStatus.CHARGING
    stop16(wire16, tx_id)
    session.refresh_from_db()
    assert session.status == SessionStatus.COMPLETED
    assert session.end_time == datetime.datetime(2026, 11, 21, 11, 5, tzinfo=datetime.UTC)


def test_a_201_start_is_matched_by_the_remote_start_id_it_echoes(
    wire201, chargepoint, connector, driver, tag
):
    # An earlier start of the driver's that timed out: one start waits per driver.
    decoy = asked(
        chargepoint, connector, driver, tag, remote_start_id=41, status=SessionStatus.TIMED_OUT
    )
    session = asked(chargepoint, connector, driver, tag, remote_start_id=42)
    event201(wire201, "Started", 0, remote_start_id=42)
    session.refresh_from_db()
    decoy.refresh_from_db()
    assert session.transaction is not None
    assert session.transaction.charger_transaction_id == "TX-201"
    assert decoy.transaction is None


def test_the_vehicle_chosen_for_the_session_goes_on_the_transaction(
    wire16, chargepoint, connector, driver, tag
):
    vehicle = driver.vehicles.create(license_plate="EV 1")
    session = asked(chargepoint, connector, driver, tag, vehicle=vehicle)
    start16(wire16)
    session.refresh_from_db()
    assert session.transaction.vehicle == vehicle


def test_a_start_at_the_charger_by_a_registered_driver_gets_a_session(
    wire16, chargepoint, driver, tag
):
    tx_id = start16(wire16)
    session = ChargingSession.objects.get(transaction_id=tx_id)
    assert session.user == driver
    assert session.id_tag == tag
    assert session.status == SessionStatus.CHARGING


def test_a_start_with_an_unknown_card_gets_no_session(wire16, chargepoint, driver):
    start16(wire16, tag="STRANGER")
    assert not ChargingSession.objects.exists()


def test_a_late_start_revives_a_session_that_had_timed_out(
    wire16, chargepoint, connector, driver, tag
):
    session = asked(
        chargepoint, connector, driver, tag, status=SessionStatus.TIMED_OUT, end_time=timezone.now()
    )
    start16(wire16)
    session.refresh_from_db()
    assert session.status == SessionStatus.CHARGING
    assert session.transaction is not None
    assert session.end_time is None


def test_a_session_asked_for_long_ago_is_not_matched(wire16, chargepoint, connector, driver, tag):
    old = asked(
        chargepoint,
        connector,
        driver,
        tag,
        start_time=timezone.now() - datetime.timedelta(hours=2),
        status=SessionStatus.TIMED_OUT,
    )
    tx_id = start16(wire16)
    old.refresh_from_db()
    assert old.transaction is None
    assert ChargingSession.objects.get(transaction_id=tx_id) != old


# -- notifications ------------------------------------------------------------------


def test_a_driver_is_told_charging_started_and_completed(wire16, driver, tag):
    tx_id = start16(wire16)
    stop16(wire16, tx_id)
    assert kinds(driver) == ["CHARGING_STARTED", "CHARGING_COMPLETED"]
    completed = Notification.objects.get(type="CHARGING_COMPLETED")
    assert completed.transaction_id == tx_id
    assert "7.00 kWh in 1 h 05 min" in completed.message


def test_a_retransmitted_stop_does_not_notify_twice(wire16, driver, tag):
    tx_id = start16(wire16)
    stop16(wire16, tx_id)
    stop16(wire16, tx_id)
    assert kinds(driver) == ["CHARGING_STARTED", "CHARGING_COMPLETED"]


def test_unknown_cards_notify_nobody(wire16, driver):
    stop16(wire16, start16(wire16, tag="STRANGER"))
    assert not Notification.objects.exists()


def test_a_201_pause_by_the_car_tells_the_driver_charging_stopped(wire201, driver, tag):
    event201(wire201, "Started", 0)
    event201(wire201, "Updated", 1, state="SuspendedEV")
    event201(wire201, "Updated", 2, state="SuspendedEV")
    assert kinds(driver) == ["CHARGING_STARTED", "CHARGING_STOPPED"]
    assert "full or paused" in Notification.objects.get(type="CHARGING_STOPPED").message


def test_a_16_pause_is_read_from_the_connector_status(wire16, driver, tag):
    start16(wire16)
    for status in ("Charging", "SuspendedEV"):
        wire16.result(
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": status, "timestamp": T1},
        )
    assert kinds(driver) == ["CHARGING_STARTED", "CHARGING_STOPPED"]


def test_a_priced_session_without_a_card_asks_for_payment(wire16, connector, driver, tag):
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", currency="EUR")
    connector.tariff_ids.add(tariff)
    stop16(wire16, start16(wire16))
    assert kinds(driver)[-1] == "PAYMENT_REQUIRED"


def test_a_driver_with_a_valid_card_is_not_asked_to_pay(wire16, connector, driver, tag):
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", currency="EUR")
    connector.tariff_ids.add(tariff)
    next_year = timezone.now().year + 1
    profile_set_payment_card(
        profile=driver.profile, number="4242424242424242", expiry=f"12/{next_year}"
    )
    stop16(wire16, start16(wire16))
    assert "PAYMENT_REQUIRED" not in kinds(driver)


def test_free_charging_asks_nobody_to_pay(wire16, driver, tag):
    stop16(wire16, start16(wire16))
    assert "PAYMENT_REQUIRED" not in kinds(driver)


def test_drivers_with_a_reservation_hear_of_maintenance(chargepoint, connector, driver, tag):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.connected = True
    chargepoint.save()
    Reservation.objects.create(
        reservation_id=9,
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        start_time=timezone.now(),
        expiry_date=timezone.now() + datetime.timedelta(hours=1),
        status=ReservationStatus.ACTIVE,
    )
    command = command_issue(chargepoint, "change_availability", {"type": "Inoperative"})
    command_finish(
        chargepoint_id=chargepoint.pk,
        command_id=command.pk,
        status=CommandStatus.ACCEPTED,
        response={"status": "Accepted"},
    )
    (notice,) = Notification.objects.filter(user=driver)
    assert notice.type == "SYSTEM_MAINTENANCE"
    assert "CP-TEST-1" in notice.message

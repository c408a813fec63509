"""OCPP 1.6J adapter: every action a charger sends, as frames, and what gets stored."""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.enums import UserStatus
from accounts.models import IdTag
from chargepoints.enums import ChargerEventKind, ReservationStatus, TransactionStatus
from chargepoints.models import (
    ChargerEvent,
    Connector,
    Heartbeat,
    Reservation,
    SampledValue,
    StatusNotification,
    Transaction,
)
from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.models import OCPPMessage
from ocpp_gateway.timefmt import ocpp_datetime
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.ocpp_gateway.helpers import Wire

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00Z"
T2 = "2025-03-01T10:30:00Z"


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def wire(chargepoint) -> Wire:
    return Wire(ChargePoint16, chargepoint.chargepoint_id)


def call(wire: Wire, action: str, payload: dict, unique_id: str) -> list:
    """Send a CALL as the charger; return the frame sent back.

    Every exchange must leave exactly one INBOUND CALL and one OUTBOUND
    CALLRESULT in the message log, so this checks that for every test.
    """
    frame = wire.call(action, payload, unique_id)
    logged = OCPPMessage.objects.filter(
        chargepoint_id=wire.adapter.id, message_id=unique_id
    ).order_by("direction")
    assert [(m.direction, m.message_type, m.action, m.payload) for m in logged] == [
        (MessageDirection.INBOUND, MessageType.CALL, action, payload),
        (MessageDirection.OUTBOUND, MessageType.CALLRESULT, action, frame[-1]),
    ]
    return frame


def assert_ocpp_time(value: str) -> datetime.datetime:
    assert ISO_UTC.match(value), value
    return utc(value)


def tag(token: str, **fields) -> IdTag:
    return IdTag.objects.create(idToken=token, **fields)


def authorize(wire: Wire, id_tag: str, unique_id: str = "auth") -> dict:
    frame = call(wire, "Authorize", {"idTag": id_tag}, unique_id)
    assert frame[:2] == [3, unique_id]
    return frame[2]["idTagInfo"]


def start(
    wire: Wire,
    *,
    id_tag: str = "TAG1",
    connector_id: int = 1,
    meter_start: int = 1000,
    timestamp: str = T0,
    unique_id: str = "start",
    **optional,
) -> list:
    payload = {
        "connectorId": connector_id,
        "idTag": id_tag,
        "meterStart": meter_start,
        "timestamp": timestamp,
        **optional,
    }
    return call(wire, "StartTransaction", payload, unique_id)


def started(wire: Wire, **kwargs) -> Transaction:
    """Start a transaction that must be accepted as a new one; return its row."""
    frame = start(wire, **kwargs)
    return Transaction.objects.get(pk=frame[2]["transactionId"])


def meter_values(wire: Wire, *, transaction_id=None, connector_id=1, unique_id="mv", **batch):
    """One MeterValues CALL with one meterValue element (timestamp, sampledValue)."""
    payload = {"connectorId": connector_id, "meterValue": [batch]}
    if transaction_id is not None:
        payload["transactionId"] = transaction_id
    assert call(wire, "MeterValues", payload, unique_id) == [3, unique_id, {}]


def status(wire: Wire, status_: str, *, connector_id=1, unique_id="sn", **optional) -> None:
    payload = {"connectorId": connector_id, "errorCode": "NoError", "status": status_, **optional}
    assert call(wire, "StatusNotification", payload, unique_id) == [3, unique_id, {}]


def event(kind: str) -> ChargerEvent:
    return ChargerEvent.objects.get(chargepoint_id="CP-TEST-1", kind=kind)


# -- BootNotification ---------------------------------------------------------


def test_it_stores_everything_a_charger_says_about_itself_at_boot(wire, chargepoint):
    before = timezone.now()
    frame = call(
        wire,
        "BootNotification",
        {
            "chargePointVendor": "Alfen BV",
            "chargePointModel": "NG920-61",
            "chargePointSerialNumber": "ACE0123456",
            "chargeBoxSerialNumber": "BOX-987",
            "firmwareVersion": "6.1.0-4157",
            "iccid": "8931081234567890123",
            "imsi": "204080123456789",
            "meterType": "Eastron SDM630",
            "meterSerialNumber": "MTR-42",
        },
        "boot-1",
    )

    assert frame == [
        3,
        "boot-1",
        {
            "currentTime": frame[2]["currentTime"],
            "interval": settings.CSMS_HEARTBEAT_INTERVAL,
            "status": "Accepted",
        },
    ]
    assert_ocpp_time(frame[2]["currentTime"])
    chargepoint.refresh_from_db()
    assert chargepoint.chargepoint_vendor == "Alfen BV"
    assert chargepoint.chargepoint_model == "NG920-61"
    assert chargepoint.chargepoint_serial_number == "ACE0123456"
    assert chargepoint.chargebox_serial_number == "BOX-987"
    assert chargepoint.firmware_version == "6.1.0-4157"
    assert chargepoint.iccid == "8931081234567890123"
    assert chargepoint.imsi == "204080123456789"
    assert chargepoint.meter_type == "Eastron SDM630"
    assert chargepoint.meter_serial_number == "MTR-42"
    assert before <= chargepoint.last_boot_at <= timezone.now()


def test_it_clears_boot_details_a_charger_no_longer_reports(wire, chargepoint):
    chargepoint.firmware_version = "1.0"
    chargepoint.iccid = "8931081234567890123"
    chargepoint.save()

    call(
        wire,
        "BootNotification",
        {"chargePointVendor": "Alfen BV", "chargePointModel": "NG920-61"},
        "boot-1",
    )

    chargepoint.refresh_from_db()
    assert (chargepoint.firmware_version, chargepoint.iccid) == ("", "")


@pytest.mark.parametrize(
    ("registration", "interval_setting"),
    [
        ("Accepted", "CSMS_HEARTBEAT_INTERVAL"),
        ("Pending", "CSMS_BOOT_RETRY_INTERVAL"),
        ("Rejected", "CSMS_BOOT_RETRY_INTERVAL"),
    ],
)
def test_it_answers_a_boot_with_the_operators_registration_decision(
    wire, chargepoint, settings, registration, interval_setting
):
    settings.CSMS_HEARTBEAT_INTERVAL = 240
    settings.CSMS_BOOT_RETRY_INTERVAL = 45
    chargepoint.registration_status = registration
    chargepoint.save()

    frame = call(
        wire, "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}, "boot-1"
    )

    assert frame == [
        3,
        "boot-1",
        {
            "currentTime": frame[2]["currentTime"],
            "interval": getattr(settings, interval_setting),
            "status": registration,
        },
    ]
    assert_ocpp_time(frame[2]["currentTime"])


# -- Heartbeat ----------------------------------------------------------------


def test_it_answers_a_heartbeat_with_the_time_it_recorded(wire, chargepoint):
    frame = call(wire, "Heartbeat", {}, "hb-1")

    heartbeat = Heartbeat.objects.get(chargepoint=chargepoint)
    assert frame == [3, "hb-1", {"currentTime": ocpp_datetime(heartbeat.timestamp)}]
    assert_ocpp_time(frame[2]["currentTime"])
    chargepoint.refresh_from_db()
    assert chargepoint.last_heartbeat == heartbeat.timestamp


def test_it_keeps_every_heartbeat(wire, chargepoint):
    call(wire, "Heartbeat", {}, "hb-1")
    call(wire, "Heartbeat", {}, "hb-2")

    assert Heartbeat.objects.filter(chargepoint=chargepoint).count() == 2
    chargepoint.refresh_from_db()
    assert chargepoint.last_heartbeat == Heartbeat.objects.latest("timestamp").timestamp


# -- Authorize ----------------------------------------------------------------


def test_it_accepts_a_known_tag(wire):
    tag("TAG1")

    frame = call(wire, "Authorize", {"idTag": "TAG1"}, "auth-1")

    assert frame == [3, "auth-1", {"idTagInfo": {"status": "Accepted"}}]


def test_it_calls_an_unknown_tag_invalid(wire):
    # OCPP 1.6 §7.2 has no "Unknown"; a tag we do not know is Invalid.
    assert authorize(wire, "NOBODY") == {"status": "Invalid"}


def test_it_matches_tags_regardless_of_letter_case(wire):
    tag("abc")

    assert authorize(wire, "ABC") == {"status": "Accepted"}


def test_it_blocks_a_revoked_tag(wire):
    tag("TAG1", revoked=True)

    assert authorize(wire, "TAG1") == {"status": "Blocked"}


def test_it_blocks_a_tag_whose_group_tag_is_revoked(wire):
    tag("TAG1", parent_id_tag=tag("FLEET", revoked=True))

    assert authorize(wire, "TAG1") == {"status": "Blocked", "parentIdTag": "FLEET"}


def test_it_calls_a_tag_past_its_expiry_date_expired(wire):
    tag("TAG1", expiry_date=utc("2024-01-01T00:00:00Z"))

    assert authorize(wire, "TAG1") == {
        "status": "Expired",
        "expiryDate": "2024-01-01T00:00:00.000Z",
    }


def test_it_tells_the_charger_until_when_an_accepted_tag_is_valid(wire):
    tag("TAG1", expiry_date=utc("2099-06-30T12:00:00Z"))

    assert authorize(wire, "TAG1") == {
        "status": "Accepted",
        "expiryDate": "2099-06-30T12:00:00.000Z",
    }


@pytest.mark.parametrize(
    ("user_status", "is_active", "answer"),
    [
        (UserStatus.BLOCKED, True, "Blocked"),
        (UserStatus.EXPIRED, True, "Expired"),
        (UserStatus.ACTIVE, False, "Blocked"),
    ],
)
def test_it_refuses_the_tag_of_a_driver_who_may_not_charge(
    wire, driver, user_status, is_active, answer
):
    driver.status = user_status
    driver.is_active = is_active
    driver.save()
    tag("TAG1", user=driver)

    assert authorize(wire, "TAG1") == {"status": answer}


def test_it_names_the_group_tag_of_an_accepted_tag(wire):
    tag("TAG1", parent_id_tag=tag("FLEET"))

    assert authorize(wire, "TAG1") == {"status": "Accepted", "parentIdTag": "FLEET"}


def test_it_leaves_out_a_group_tag_too_long_for_ocpp_16(wire):
    # OCPP 1.6 IdToken is CiString20Type; 2.0.1 group tokens may be 36 long.
    # parentIdTag is optional, so the tag is still answered, without it.
    tag("TAG1", parent_id_tag=tag("G" * 36))

    assert authorize(wire, "TAG1") == {"status": "Accepted"}


def test_it_accepts_a_tag_that_is_charging_so_the_driver_can_stop(wire, connector):
    tag("TAG1")
    started(wire, id_tag="TAG1")

    # ConcurrentTx is for starting (§7.2); an Authorize may be to stop.
    assert authorize(wire, "TAG1") == {"status": "Accepted"}


# -- StartTransaction ---------------------------------------------------------


def test_it_starts_a_transaction_and_gives_the_charger_its_id(wire, connector, driver):
    tag("TAG1", user=driver)

    frame = start(wire, id_tag="TAG1", meter_start=1234, timestamp=T0, unique_id="start-1")

    tx = Transaction.objects.get()
    assert frame == [
        3,
        "start-1",
        {"transactionId": tx.pk, "idTagInfo": {"status": "Accepted"}},
    ]
    assert isinstance(frame[2]["transactionId"], int)
    assert tx.chargepoint_id == "CP-TEST-1"
    assert tx.connector == connector
    assert tx.id_tag_id == "TAG1"
    assert tx.id_token == "TAG1"
    assert tx.user == driver
    assert tx.transaction_status == TransactionStatus.ACTIVE
    assert tx.start_transaction_timestamp == utc(T0)
    assert tx.wh_meter_start == 1234
    assert tx.wh_meter_last == 1234
    assert tx.wh_meter_last_timestamp == utc(T0)
    assert tx.charger_transaction_id is None
    assert tx.needs_review is False


def test_it_creates_a_connector_on_its_first_transaction(wire, chargepoint):
    tag("TAG1")

    tx = started(wire, connector_id=2)

    assert tx.connector == Connector.objects.get(chargepoint=chargepoint, connectorid=2)


def test_it_answers_a_retransmitted_start_with_the_same_transaction(wire, connector):
    tag("TAG1")
    first = start(wire, unique_id="start-1")

    # A charger that lost the answer sends the same start again.
    again = start(wire, unique_id="start-2")

    assert again == [3, "start-2", first[2]]
    assert first[2] == {
        "transactionId": Transaction.objects.get().pk,
        "idTagInfo": {"status": "Accepted"},
    }


def test_it_refuses_a_second_start_with_a_tag_already_charging(wire, chargepoint):
    tag("TAG1")
    first = started(wire, connector_id=1, timestamp=T0, unique_id="start-1")

    frame = start(wire, connector_id=2, timestamp=T1, unique_id="start-2")

    # OCPP 1.6 §7.2 ConcurrentTx. The transaction is kept all the same: the
    # charger has started it, and will stop it on this answer.
    second = Transaction.objects.exclude(pk=first.pk).get()
    assert frame == [
        3,
        "start-2",
        {"transactionId": second.pk, "idTagInfo": {"status": "ConcurrentTx"}},
    ]


def test_it_ends_the_reservation_a_transaction_starts_on(wire, connector, driver, now):
    id_tag = tag("TAG1", user=driver)
    reservation = Reservation.objects.create(
        reservation_id=42,
        chargepoint=connector.chargepoint,
        connector=connector,
        user=driver,
        id_tag=id_tag,
        start_time=now,
        expiry_date=now + datetime.timedelta(hours=1),
    )

    tx = started(wire, reservationId=42)

    # OCPP 1.6 §5.13: the reservation ends when a transaction starts on it.
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert tx.reservation == reservation


def test_it_records_a_transaction_started_with_an_unknown_tag(wire, connector):
    frame = start(wire, id_tag="STRANGER", unique_id="start-1")

    tx = Transaction.objects.get()
    assert frame == [3, "start-1", {"transactionId": tx.pk, "idTagInfo": {"status": "Invalid"}}]
    assert tx.id_token == "STRANGER"
    assert tx.id_tag is None
    assert tx.user is None


def test_it_records_a_transaction_started_with_a_blocked_tag(wire, connector):
    tag("TAG1", revoked=True)

    frame = start(wire, unique_id="start-1")

    tx = Transaction.objects.get()
    assert frame == [3, "start-1", {"transactionId": tx.pk, "idTagInfo": {"status": "Blocked"}}]
    assert tx.id_tag_id == "TAG1"


# -- StopTransaction ----------------------------------------------------------


def test_it_stops_a_transaction_with_the_energy_it_delivered(wire, connector):
    tag("TAG1")
    tx = started(wire, meter_start=1000, timestamp=T0)

    frame = call(
        wire,
        "StopTransaction",
        {
            "transactionId": tx.pk,
            "idTag": "TAG1",
            "meterStop": 8500,
            "timestamp": T1,
            "reason": "EVDisconnected",
        },
        "stop-1",
    )

    assert frame == [3, "stop-1", {"idTagInfo": {"status": "Accepted"}}]
    tx.refresh_from_db()
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.stop_transaction_timestamp == utc(T1)
    assert tx.wh_meter_start == 1000
    assert tx.wh_meter_stop == 8500
    assert tx.total_energy == 7.5
    assert tx.reason_stopped == "EVDisconnected"
    assert tx.needs_review is False


def test_it_takes_a_stop_without_a_reason_as_local(wire, connector):
    tag("TAG1")
    tx = started(wire)

    frame = call(
        wire,
        "StopTransaction",
        {"transactionId": tx.pk, "meterStop": 1000, "timestamp": T1},
        "stop-1",
    )

    # No idTag was presented, so there is nothing to tell the charger about.
    assert frame == [3, "stop-1", {}]
    tx.refresh_from_db()
    # OCPP 1.6 §6.49: reason is omitted when it is Local.
    assert tx.reason_stopped == "Local"
    assert tx.total_energy == 0


def test_it_keeps_the_starting_tag_when_another_tag_stops(wire, connector):
    tag("TAG1", parent_id_tag=tag("FLEET"))
    tag("TAG2", parent_id_tag=IdTag.objects.get(pk="FLEET"))
    tx = started(wire, id_tag="TAG1")

    # OCPP 1.6 §6.49: StopTransaction idTag is the one that requested the stop.
    call(
        wire,
        "StopTransaction",
        {"transactionId": tx.pk, "idTag": "TAG2", "meterStop": 2000, "timestamp": T1},
        "stop-1",
    )

    tx.refresh_from_db()
    assert (tx.id_tag_id, tx.id_token) == ("TAG1", "TAG1")


def test_it_keeps_the_transaction_data_sent_with_a_stop(wire, connector):
    tag("TAG1")
    tx = started(wire, meter_start=1000)

    call(
        wire,
        "StopTransaction",
        {
            "transactionId": tx.pk,
            "meterStop": 3000,
            "timestamp": T1,
            "transactionData": [
                {
                    "timestamp": T0,
                    "sampledValue": [
                        {"value": "1000", "context": "Transaction.Begin", "unit": "Wh"}
                    ],
                },
                {
                    "timestamp": T1,
                    "sampledValue": [{"value": "3.0", "context": "Transaction.End", "unit": "kWh"}],
                },
            ],
        },
        "stop-1",
    )

    rows = SampledValue.objects.filter(transaction=tx).order_by("timestamp")
    assert [
        (r.timestamp, r.value, r.numeric_value, r.unit, r.context, r.connector_id) for r in rows
    ] == [
        (utc(T0), "1000", 1000.0, "Wh", "Transaction.Begin", connector.pk),
        (utc(T1), "3.0", 3000.0, "kWh", "Transaction.End", connector.pk),
    ]
    tx.refresh_from_db()
    assert tx.total_energy == 2.0


def test_it_answers_a_doubled_stop_the_same_and_changes_nothing(wire, connector):
    tag("TAG1")
    tx = started(wire, meter_start=1000)
    stop = {
        "transactionId": tx.pk,
        "idTag": "TAG1",
        "meterStop": 5000,
        "timestamp": T1,
        "reason": "Remote",
        "transactionData": [{"timestamp": T1, "sampledValue": [{"value": "5000"}]}],
    }
    first = call(wire, "StopTransaction", stop, "stop-1")
    tx.refresh_from_db()
    before = Transaction.objects.values().get(pk=tx.pk)

    again = call(wire, "StopTransaction", {**stop, "meterStop": 9999, "timestamp": T2}, "stop-2")

    assert again == [3, "stop-2", first[2]]
    assert Transaction.objects.values().get(pk=tx.pk) == before
    assert SampledValue.objects.filter(transaction=tx).count() == 1


def test_it_keeps_a_stop_for_a_transaction_it_never_saw_for_review(wire, connector):
    frame = call(
        wire,
        "StopTransaction",
        {"transactionId": 999, "meterStop": 4200, "timestamp": T1, "reason": "PowerLoss"},
        "stop-1",
    )

    # Refusing the stop would make the charger retry it forever.
    assert frame == [3, "stop-1", {}]
    tx = Transaction.objects.get()
    assert tx.needs_review is True
    assert tx.review_note
    assert tx.charger_transaction_id == "999"
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.stop_transaction_timestamp == utc(T1)
    assert tx.wh_meter_stop == 4200
    assert tx.reason_stopped == "PowerLoss"


def test_it_records_a_repeated_stop_for_an_unknown_transaction_once(wire, connector):
    stop = {"transactionId": 999, "meterStop": 4200, "timestamp": T1}
    call(wire, "StopTransaction", stop, "stop-1")

    frame = call(wire, "StopTransaction", stop, "stop-2")

    assert frame == [3, "stop-2", {}]
    assert Transaction.objects.get().charger_transaction_id == "999"


# -- MeterValues --------------------------------------------------------------


def test_it_stores_readings_in_base_units_and_as_sent(wire, connector):
    meter_values(
        wire,
        timestamp=T0,
        sampledValue=[
            {"value": "12.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
            {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"},
            {"value": "16.1", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
        ],
    )

    rows = SampledValue.objects.order_by("measurand")
    assert [(r.measurand, r.phase, r.value, r.unit, r.numeric_value) for r in rows] == [
        ("Current.Import", "L1", "16.1", "A", 16.1),
        ("Energy.Active.Import.Register", "", "12.5", "kWh", 12500.0),
        ("Power.Active.Import", "", "7.4", "kW", 7400.0),
    ]
    assert {(r.connector, r.transaction, r.timestamp) for r in rows} == {(connector, None, utc(T0))}


def test_it_applies_the_default_measurand_and_unit(wire, connector):
    # OCPP 1.6 §7.31: measurand defaults to Energy.Active.Import.Register, unit to Wh.
    meter_values(wire, timestamp=T0, sampledValue=[{"value": "1500"}])

    row = SampledValue.objects.get()
    assert (row.measurand, row.unit, row.value, row.numeric_value) == (
        "Energy.Active.Import.Register",
        "Wh",
        "1500",
        1500.0,
    )


def test_it_keeps_signed_meter_data_as_sent_without_a_number(wire, connector):
    signed = "T0NQRE1jM2lnbmVkZGF0YQ=="

    meter_values(wire, timestamp=T0, sampledValue=[{"value": signed, "format": "SignedData"}])

    row = SampledValue.objects.get()
    assert (row.value, row.format, row.numeric_value) == (signed, "SignedData", None)


def test_it_stores_main_meter_readings_without_a_connector(wire, chargepoint):
    meter_values(wire, connector_id=0, timestamp=T0, sampledValue=[{"value": "42"}])

    row = SampledValue.objects.get()
    assert (row.chargepoint, row.connector) == (chargepoint, None)
    assert not Connector.objects.exists()


def test_it_creates_a_connector_on_its_first_meter_values(wire, chargepoint):
    meter_values(wire, connector_id=3, timestamp=T0, sampledValue=[{"value": "42"}])

    assert SampledValue.objects.get().connector == Connector.objects.get(connectorid=3)


def test_it_keeps_the_live_values_of_a_transaction(wire, connector):
    tag("TAG1")
    tx = started(wire, meter_start=1000, timestamp=T0)

    meter_values(
        wire,
        transaction_id=tx.pk,
        timestamp=T1,
        sampledValue=[
            {"value": "3.5", "unit": "kWh"},
            {"value": "2300", "measurand": "Power.Active.Import", "phase": "L1", "unit": "W"},
            {"value": "2.3", "measurand": "Power.Active.Import", "phase": "L2", "unit": "kW"},
            {"value": "2200", "measurand": "Power.Active.Import", "phase": "L3", "unit": "W"},
            {"value": "10", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
            {"value": "11", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
            {"value": "12", "measurand": "Current.Import", "phase": "L3", "unit": "A"},
            {"value": "231", "measurand": "Voltage", "unit": "V"},
            {"value": "64", "measurand": "SoC", "location": "EV"},
        ],
    )

    tx.refresh_from_db()
    assert tx.wh_meter_last == 3500
    assert tx.wh_meter_last_timestamp == utc(T1)
    assert tx.total_energy == 2.5
    # No total power reported: the phases add up; current is per phase.
    assert tx.last_power_w == 6800
    assert tx.last_current_a == 11
    assert tx.last_voltage_v == 231
    assert tx.last_soc == 64
    assert SampledValue.objects.filter(transaction=tx).count() == 9


def test_it_prefers_the_chargers_total_power_over_the_phases(wire, connector):
    tag("TAG1")
    tx = started(wire)

    meter_values(
        wire,
        transaction_id=tx.pk,
        timestamp=T1,
        sampledValue=[
            {"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
            {"value": "2300", "measurand": "Power.Active.Import", "phase": "L1", "unit": "W"},
        ],
    )

    tx.refresh_from_db()
    assert tx.last_power_w == 7000


def test_it_does_not_move_the_meter_back_for_an_older_batch(wire, connector):
    tag("TAG1")
    tx = started(wire, meter_start=1000, timestamp=T0)
    meter_values(
        wire,
        transaction_id=tx.pk,
        unique_id="mv-1",
        timestamp=T2,
        sampledValue=[
            {"value": "5000"},
            {"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
        ],
    )

    # Replayed after an outage: an older batch arrives last.
    meter_values(
        wire,
        transaction_id=tx.pk,
        unique_id="mv-2",
        timestamp=T1,
        sampledValue=[
            {"value": "3000"},
            {"value": "3600", "measurand": "Power.Active.Import", "unit": "W"},
        ],
    )

    tx.refresh_from_db()
    assert (tx.wh_meter_last, tx.wh_meter_last_timestamp) == (5000, utc(T2))
    assert tx.last_power_w == 7000
    assert tx.total_energy == 4.0
    assert SampledValue.objects.filter(transaction=tx).count() == 4


# -- StatusNotification -------------------------------------------------------


def test_it_keeps_a_connectors_status_as_reported_and_normalised(wire, connector):
    status(
        wire,
        "Charging",
        timestamp=T0,
        info="cable locked",
        vendorId="com.alfen",
        vendorErrorCode="E0",
    )

    connector.refresh_from_db()
    assert connector.connector_status == "Charging"
    assert connector.status == "Occupied"
    assert connector.error_code == "NoError"
    assert connector.status_timestamp == utc(T0)
    report = StatusNotification.objects.get()
    assert report.connector == connector
    assert (report.status_reported, report.error_code, report.timestamp) == (
        "Charging",
        "NoError",
        utc(T0),
    )
    assert (report.info, report.vendor_id, report.vendor_error_code) == (
        "cable locked",
        "com.alfen",
        "E0",
    )


def test_it_keeps_the_error_a_connector_reports(wire, connector):
    call(
        wire,
        "StatusNotification",
        {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted", "timestamp": T0},
        "sn-1",
    )

    connector.refresh_from_db()
    assert (connector.connector_status, connector.status, connector.error_code) == (
        "Faulted",
        "Faulted",
        "GroundFailure",
    )


def test_it_creates_a_connector_on_its_first_status_report(wire, chargepoint):
    status(wire, "Available", connector_id=2, timestamp=T0)

    connector = Connector.objects.get(chargepoint=chargepoint, connectorid=2)
    assert (connector.connector_status, connector.status) == ("Available", "Available")


def test_it_takes_connector_0_as_the_whole_charger(wire, chargepoint):
    status(wire, "Unavailable", connector_id=0, timestamp=T0)

    chargepoint.refresh_from_db()
    assert (chargepoint.chargepoint_status, chargepoint.status) == ("Unavailable", "Unavailable")
    assert not Connector.objects.exists()
    assert StatusNotification.objects.get().connector is None


def test_it_uses_the_reception_time_when_a_status_has_none(wire, connector):
    before = timezone.now()

    status(wire, "Preparing")

    connector.refresh_from_db()
    assert before <= connector.status_timestamp <= timezone.now()
    assert StatusNotification.objects.get().timestamp == connector.status_timestamp


def test_it_keeps_an_older_status_in_history_without_making_it_current(wire, connector):
    status(wire, "Charging", timestamp=T2, unique_id="sn-1")

    # Replayed after an outage: a report older than the one in force.
    status(wire, "Available", timestamp=T1, unique_id="sn-2")

    connector.refresh_from_db()
    assert (connector.connector_status, connector.status) == ("Charging", "Occupied")
    assert connector.status_timestamp == utc(T2)
    history = StatusNotification.objects.filter(connector=connector).order_by("timestamp")
    assert [(r.status_reported, r.timestamp) for r in history] == [
        ("Available", utc(T1)),
        ("Charging", utc(T2)),
    ]


def test_it_makes_a_newer_status_current(wire, connector):
    status(wire, "Charging", timestamp=T1, unique_id="sn-1")

    status(wire, "Finishing", timestamp=T2, unique_id="sn-2")

    connector.refresh_from_db()
    assert (connector.connector_status, connector.status) == ("Finishing", "Occupied")
    assert StatusNotification.objects.filter(connector=connector).count() == 2


def test_it_does_not_let_an_older_charger_status_overwrite_a_newer_one(wire, chargepoint):
    status(wire, "Available", connector_id=0, timestamp=T2, unique_id="sn-1")

    status(wire, "Unavailable", connector_id=0, timestamp=T1, unique_id="sn-2")

    chargepoint.refresh_from_db()
    assert chargepoint.chargepoint_status == "Available"


# -- DataTransfer -------------------------------------------------------------


def test_it_answers_a_data_transfer_with_unknown_vendor_and_keeps_it(wire):
    frame = call(wire, "DataTransfer", {"vendorId": "com.alfen"}, "dt-1")

    # We run no vendor extensions (OCPP 1.6 §7.23 DataTransferStatus).
    assert frame == [3, "dt-1", {"status": "UnknownVendorId"}]
    transfer = event(ChargerEventKind.DATA_TRANSFER)
    assert transfer.status == "com.alfen"
    assert transfer.payload == {"vendorId": "com.alfen"}


def test_it_keeps_a_data_transfer_as_the_charger_sent_it(wire):
    payload = {"vendorId": "com.alfen", "messageId": "Telemetry", "data": '{"temp": 41}'}

    call(wire, "DataTransfer", payload, "dt-1")

    assert event(ChargerEventKind.DATA_TRANSFER).payload == payload


# -- DiagnosticsStatusNotification, FirmwareStatusNotification -----------------


def test_it_keeps_the_diagnostics_upload_status(wire):
    before = timezone.now()

    frame = call(wire, "DiagnosticsStatusNotification", {"status": "Uploaded"}, "diag-1")

    assert frame == [3, "diag-1", {}]
    diagnostics = event(ChargerEventKind.DIAGNOSTICS_STATUS)
    assert diagnostics.status == "Uploaded"
    assert diagnostics.payload == {"status": "Uploaded"}
    assert before <= diagnostics.timestamp <= timezone.now()


def test_it_keeps_the_firmware_update_status(wire):
    frame = call(wire, "FirmwareStatusNotification", {"status": "Installed"}, "fw-1")

    assert frame == [3, "fw-1", {}]
    firmware = event(ChargerEventKind.FIRMWARE_STATUS)
    assert (firmware.status, firmware.payload) == ("Installed", {"status": "Installed"})


# -- Security extension -------------------------------------------------------


def test_it_keeps_a_security_event_with_the_chargers_time(wire):
    payload = {
        "type": "InvalidCentralSystemCertificate",
        "timestamp": "2025-03-01T09:59:30Z",
        "techInfo": "certificate expired",
    }

    frame = call(wire, "SecurityEventNotification", payload, "sec-1")

    assert frame == [3, "sec-1", {}]
    security = event(ChargerEventKind.SECURITY_EVENT)
    assert security.status == "InvalidCentralSystemCertificate"
    assert security.timestamp == utc("2025-03-01T09:59:30Z")
    assert security.detail == "certificate expired"
    assert security.payload == payload


def test_it_rejects_a_certificate_signing_request(wire):
    csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"

    frame = call(wire, "SignCertificate", {"csr": csr}, "csr-1")

    # No certificate authority is configured, so nothing would be signed.
    assert frame == [3, "csr-1", {"status": "Rejected"}]
    request = event(ChargerEventKind.CERTIFICATE_REQUEST)
    assert request.payload == {"csr": csr}


def test_it_keeps_the_log_upload_status(wire):
    frame = call(wire, "LogStatusNotification", {"status": "Uploaded", "requestId": 7}, "log-1")

    assert frame == [3, "log-1", {}]
    log = event(ChargerEventKind.LOG_STATUS)
    assert (log.status, log.request_id) == ("Uploaded", 7)
    assert log.payload == {"status": "Uploaded", "requestId": 7}


def test_it_keeps_the_signed_firmware_update_status(wire):
    payload = {"status": "InvalidSignature", "requestId": 12}

    frame = call(wire, "SignedFirmwareStatusNotification", payload, "sfw-1")

    assert frame == [3, "sfw-1", {}]
    firmware = event(ChargerEventKind.FIRMWARE_STATUS)
    assert (firmware.status, firmware.request_id) == ("InvalidSignature", 12)
    assert firmware.payload == payload


# -- The message log ----------------------------------------------------------


def test_it_logs_each_exchange_once_in_each_direction(wire, chargepoint):
    call(wire, "Heartbeat", {}, "hb-1")
    call(
        wire,
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
        "sn-1",
    )

    assert OCPPMessage.objects.filter(chargepoint=chargepoint).count() == 4

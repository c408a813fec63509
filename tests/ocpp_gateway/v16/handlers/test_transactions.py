"""OCPP 1.6J StartTransaction and StopTransaction (Core; 2.0.1 block E)."""

import datetime

from accounts.models import IdTag
from chargepoints.enums import ReservationStatus, TransactionStatus
from chargepoints.models import Connector, Reservation, SampledValue, Transaction
from tests.ocpp_gateway.v16.handlers.helpers import T0, T1, T2, call, start, started, tag, utc

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

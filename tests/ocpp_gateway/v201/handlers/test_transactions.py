"""OCPP 2.0.1 block E Transactions: TransactionEvent."""

import datetime

import pytest

from chargepoints.enums import ChargerEventKind, ReservationStatus, StopReason, TransactionStatus
from chargepoints.models import ChargerEvent, Reservation, SampledValue, Transaction
from tests.ocpp_gateway.v201.handlers.helpers import (
    CHARGEPOINT_ID,
    T0,
    T1,
    TAG,
    TX_ID,
    register,
    sample,
    started,
    transaction_event,
    utc,
)

T2 = "2025-03-01T08:15:00Z"
T3 = "2025-03-01T09:30:00Z"


def periodic_samples() -> list[dict]:
    """What the BMW wallbox reports every interval while charging on three phases.

    Seed 004 also lists Temperature, but OCPP 2.0.1 MeasurandEnumType has no
    Temperature (it moved to the device model), so a valid frame cannot carry it.
    """
    return [
        register(7300, context="Sample.Periodic"),
        sample(11040, "Power.Active.Import"),
        sample(16.1, "Current.Import", phase="L1"),
        sample(15.9, "Current.Import", phase="L2"),
        sample(16.0, "Current.Import", phase="L3"),
        sample(229.0, "Voltage", phase="L1-N"),
        sample(231.0, "Voltage", phase="L2-N"),
        sample(230.0, "Voltage", phase="L3-N"),
        sample(50.0, "Frequency"),
        sample(54, "SoC"),
        sample(22000, "Power.Offered"),
    ]


def periodic(seq_no: int = 1, samples: list[dict] | None = None, **extra) -> dict:
    return transaction_event(
        "Updated",
        seq_no=seq_no,
        trigger_reason="MeterValuePeriodic",
        timestamp=T2,
        charging_state="Charging",
        numberOfPhasesUsed=3,
        samples=samples or periodic_samples(),
        **extra,
    )


def ended(seq_no: int = 2, timestamp: str = T3, wh: int = 9250, **extra) -> dict:
    return transaction_event(
        "Ended",
        seq_no=seq_no,
        trigger_reason="EVDeparted",
        timestamp=timestamp,
        charging_state="Idle",
        stopped_reason="EVDisconnected",
        samples=[register(wh, context="Transaction.End")],
        **extra,
    )


def test_it_starts_a_transaction_under_the_chargers_own_id(wire):
    assert wire.result("TransactionEvent", started()) == {}

    tx = Transaction.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert tx.charger_transaction_id == TX_ID
    assert (tx.connector.evse_id, tx.connector.evse_connector_id) == (1, 1)
    assert tx.start_transaction_timestamp == utc(T0)
    assert tx.wh_meter_start == 1500.0
    assert tx.charging_state == "EVConnected"
    assert tx.trigger_reason == "CablePluggedIn"
    assert tx.sequence_number == 0
    assert tx.transaction_status == TransactionStatus.ACTIVE
    assert tx.id_token == ""
    assert tx.needs_review is False
    begin = SampledValue.objects.get(transaction=tx)
    assert (begin.context, begin.location, begin.numeric_value) == (
        "Transaction.Begin",
        "Outlet",
        1500.0,
    )


def test_it_answers_a_start_with_an_id_token_with_its_authorization(wire, tag):
    answer = wire.result(
        "TransactionEvent",
        started("Authorized", idToken={"idToken": TAG, "type": "ISO14443"}),
    )

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    tx = Transaction.objects.get()
    assert (tx.id_token, tx.id_token_type, tx.trigger_reason) == (TAG, "ISO14443", "Authorized")
    assert (tx.id_tag, tx.user) == (tag, tag.user)


def test_it_answers_a_repeated_start_with_the_same_authorization(wire, tag):
    # The retransmitted start must not count as a second, concurrent transaction.
    payload = started("Authorized", idToken={"idToken": TAG, "type": "ISO14443"})
    wire.result("TransactionEvent", payload, unique_id="1")

    answer = wire.result("TransactionEvent", payload, unique_id="2")

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    assert Transaction.objects.count() == 1


def test_it_answers_concurrent_tx_for_a_token_already_charging_elsewhere(wire, tag):
    token = {"idToken": TAG, "type": "ISO14443"}
    wire.result("TransactionEvent", started("Authorized", idToken=token), unique_id="1")
    other = started("Authorized", evse_id=2, idToken=token)
    other["transactionInfo"]["transactionId"] = "second-transaction"

    answer = wire.result("TransactionEvent", other, unique_id="2")

    assert answer == {"idTokenInfo": {"status": "ConcurrentTx"}}
    assert Transaction.objects.count() == 2


def test_it_starts_a_transaction_for_an_unknown_token_and_says_unknown(wire):
    # The charger has already started; the CSMS reports the status and keeps the session.
    answer = wire.result(
        "TransactionEvent", started(idToken={"idToken": "STRANGER", "type": "ISO14443"})
    )

    assert answer == {"idTokenInfo": {"status": "Unknown"}}
    tx = Transaction.objects.get()
    assert (tx.id_token, tx.id_tag) == ("STRANGER", None)


def test_it_answers_a_no_authorization_start_with_accepted(wire):
    # OCPP 2.0.1 TransactionEventResponse.idTokenInfo: "Is required when the
    # transactionEventRequest contained an idToken"; Authorize accepts this one.
    answer = wire.result(
        "TransactionEvent", started(idToken={"idToken": "", "type": "NoAuthorization"})
    )

    assert answer == {"idTokenInfo": {"status": "Accepted"}}


def test_it_records_that_a_transaction_started_without_authorization(wire):
    wire.result("TransactionEvent", started(idToken={"idToken": "", "type": "NoAuthorization"}))

    assert Transaction.objects.get().id_token_type == "NoAuthorization"


def test_it_keeps_the_remote_start_id_of_a_transaction_it_asked_for(wire):
    payload = started("RemoteStart")
    payload["transactionInfo"]["remoteStartId"] = 1740816000

    wire.result("TransactionEvent", payload)

    tx = Transaction.objects.get()
    assert (tx.remote_start_id, tx.trigger_reason) == (1740816000, "RemoteStart")


def test_it_ends_the_reservation_a_transaction_starts_on(wire, chargepoint, now):
    reservation = Reservation.objects.create(
        reservation_id=42,
        chargepoint=chargepoint,
        start_time=now,
        expiry_date=now + datetime.timedelta(minutes=30),
    )

    wire.result("TransactionEvent", started(reservationId=42))

    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert Transaction.objects.get().reservation == reservation


def test_it_creates_no_second_transaction_for_a_repeated_start(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    answer = wire.call("TransactionEvent", started(), unique_id="2")

    assert answer == [3, "2", {}]
    assert Transaction.objects.count() == 1


def test_it_keeps_live_values_of_a_periodic_update(wire):
    wire.result("TransactionEvent", started(), unique_id="1")

    assert wire.result("TransactionEvent", periodic(), unique_id="2") == {}

    tx = Transaction.objects.get()
    assert tx.trigger_reason == "MeterValuePeriodic"
    assert tx.charging_state == "Charging"
    assert tx.number_of_phases_used == 3
    assert tx.sequence_number == 1
    assert tx.wh_meter_start == 1500.0
    assert tx.wh_meter_last == 7300.0
    assert tx.wh_meter_last_timestamp == utc(T2)
    assert tx.last_power_w == 11040.0
    assert tx.last_current_a == pytest.approx(16.0)  # the average of L1, L2 and L3
    assert tx.last_voltage_v == pytest.approx(230.0)
    assert tx.last_soc == 54.0
    assert tx.total_energy == pytest.approx(5.8)


def test_it_stores_every_sampled_value_of_an_update_as_sent(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", periodic(), unique_id="2")

    stored = {
        (s.measurand, s.phase, s.context, s.location, s.value, s.numeric_value, s.unit)
        for s in SampledValue.objects.filter(transaction__charger_transaction_id=TX_ID).exclude(
            context="Transaction.Begin"
        )
    }
    periodic_context = ("Sample.Periodic", "Outlet")
    assert stored == {
        ("Energy.Active.Import.Register", "", *periodic_context, "7300", 7300.0, "Wh"),
        ("Power.Active.Import", "", *periodic_context, "11040", 11040.0, "W"),
        ("Current.Import", "L1", *periodic_context, "16.1", 16.1, "A"),
        ("Current.Import", "L2", *periodic_context, "15.9", 15.9, "A"),
        ("Current.Import", "L3", *periodic_context, "16", 16.0, "A"),
        ("Voltage", "L1-N", *periodic_context, "229", 229.0, "V"),
        ("Voltage", "L2-N", *periodic_context, "231", 231.0, "V"),
        ("Voltage", "L3-N", *periodic_context, "230", 230.0, "V"),
        ("Frequency", "", *periodic_context, "50", 50.0, "Hz"),
        ("SoC", "", *periodic_context, "54", 54.0, "Percent"),
        ("Power.Offered", "", *periodic_context, "22000", 22000.0, "W"),
    }
    assert set(SampledValue.objects.values_list("connector__evse_id", flat=True)) == {1}


@pytest.mark.parametrize(
    ("unit", "multiplier", "wh"),
    [("kWh", None, 12500.0), ("Wh", 3, 12500.0), ("kWh", -3, 12.5)],
)
def test_it_converts_energy_to_wh_by_unit_and_multiplier(wire, unit, multiplier, wh):
    wire.result("TransactionEvent", started(), unique_id="1")
    reading = sample(12.5, "Energy.Active.Import.Register", unit=unit, multiplier=multiplier)

    wire.result(
        "TransactionEvent",
        periodic(samples=None) | {"meterValue": [{"timestamp": T2, "sampledValue": [reading]}]},
        unique_id="2",
    )

    stored = SampledValue.objects.get(context="Sample.Periodic")
    assert (stored.value, stored.unit, stored.unit_multiplier) == ("12.5", unit, multiplier or 0)
    assert stored.numeric_value == pytest.approx(wh)


def test_it_links_the_tag_and_driver_authorized_during_a_transaction(wire, tag):
    wire.result("TransactionEvent", started(), unique_id="1")

    answer = wire.result(
        "TransactionEvent",
        transaction_event(
            "Updated",
            seq_no=1,
            trigger_reason="Authorized",
            timestamp=T1,
            idToken={"idToken": TAG.lower(), "type": "ISO14443"},
        ),
        unique_id="2",
    )

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    tx = Transaction.objects.get()
    assert (tx.id_tag, tx.user, tx.trigger_reason) == (tag, tag.user, "Authorized")


def test_it_completes_a_transaction_when_it_ends(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", periodic(), unique_id="2")

    assert wire.result("TransactionEvent", ended(), unique_id="3") == {}

    tx = Transaction.objects.get()
    assert tx.stop_transaction_timestamp == utc(T3)
    assert tx.reason_stopped == StopReason.EV_DISCONNECTED
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.wh_meter_stop == 9250.0
    assert tx.total_energy == pytest.approx((9250 - 1500) / 1000)
    assert tx.charging_state == "Idle"
    assert tx.sequence_number == 2
    assert SampledValue.objects.filter(transaction=tx, context="Transaction.End").count() == 1


def test_a_doubled_end_changes_nothing(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", ended(seq_no=1), unique_id="2")
    before = Transaction.objects.values().get()
    readings = SampledValue.objects.count()

    answer = wire.call(
        "TransactionEvent",
        ended(seq_no=2, timestamp="2025-03-01T10:00:00Z", wh=9999),
        unique_id="3",
    )

    assert answer == [3, "3", {}]
    assert Transaction.objects.values().get() == before
    assert SampledValue.objects.count() == readings


@pytest.mark.parametrize("event", [periodic, ended])
def test_it_answers_and_flags_an_event_for_a_transaction_it_never_saw_start(wire, event):
    answer = wire.call("TransactionEvent", event(evse={"id": 1, "connectorId": 1}))

    assert answer == [3, "1", {}]
    tx = Transaction.objects.get()
    assert tx.charger_transaction_id == TX_ID
    assert tx.needs_review is True
    assert TX_ID in tx.review_note
    assert (tx.connector.evse_id, tx.connector.evse_connector_id) == (1, 1)


def test_a_flagged_unknown_end_is_completed(wire):
    wire.result("TransactionEvent", ended())

    tx = Transaction.objects.get()
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.reason_stopped == StopReason.EV_DISCONNECTED
    assert tx.connector is None


def test_it_records_a_gap_in_the_sequence_of_transaction_events(wire):
    # OCPP 2.0.1 TransactionEventRequest.seqNo: "helps with determining if all
    # messages of a transaction have been received".
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", periodic(seq_no=3), unique_id="2")

    gap = ChargerEvent.objects.get(kind=ChargerEventKind.SEQUENCE_GAP)
    tx = Transaction.objects.get()
    assert gap.status == "expected 1, received 3"
    assert gap.payload == {"transaction": tx.pk, "expected": 1, "received": 3}
    assert tx.sequence_number == 3


def test_it_records_no_gap_for_consecutive_events(wire):
    wire.result("TransactionEvent", started(), unique_id="1")
    wire.result("TransactionEvent", periodic(seq_no=1), unique_id="2")
    wire.result("TransactionEvent", ended(seq_no=2), unique_id="3")

    assert not ChargerEvent.objects.filter(kind=ChargerEventKind.SEQUENCE_GAP).exists()

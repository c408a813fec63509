"""The transaction services, called directly: the rules every protocol version shares.

The adapter tests (tests/ocpp_gateway/) check that frames reach these
services; here each rule is checked once, in milliseconds, without a frame.
"""

import datetime

import pytest

from accounts.enums import AuthorizationStatus, NotificationType
from accounts.models import IdTag, Notification
from chargepoints.enums import ChargerEventKind, ChargingState, ReservationStatus, TransactionStatus
from chargepoints.models import (
    ChargerEvent,
    ChargingSession,
    Connector,
    Reservation,
    SampledValue,
    Transaction,
)
from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.metering import Reading
from chargepoints.services.transactions import (
    TransactionFacts,
    meter_values_record,
    transaction_start,
    transaction_stop,
    transaction_update,
)

T0 = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)
CONNECTOR_1 = ConnectorRef(connectorid=1)
EVSE_1 = ConnectorRef(evse_id=1, evse_connector_id=1)


@pytest.fixture
def tag(driver) -> IdTag:
    return IdTag.objects.create(idToken="TAG-1", user=driver)


def energy(wh: float, at: datetime.datetime) -> Reading:
    return Reading(timestamp=at, value=str(wh), measurand="Energy.Active.Import.Register")


def start(chargepoint, *, token="TAG-1", meter=1000.0, at=T0, ref=CONNECTOR_1, state="", **options):
    return transaction_start(
        chargepoint_id=chargepoint.pk,
        ref=ref,
        timestamp=at,
        meter_start_wh=meter,
        facts=TransactionFacts(
            id_token=token, id_token_type="ISO14443", charging_state=state, seq_no=0
        ),
        **options,
    )


# -- start ------------------------------------------------------------------------


def test_a_start_records_an_active_transaction_of_the_tags_driver(connector, tag, driver):
    result = start(connector.chargepoint)

    tx = Transaction.objects.get()
    assert result.created and result.transaction == tx
    assert result.auth.status == AuthorizationStatus.ACCEPTED
    assert (tx.transaction_status, tx.connector, tx.id_tag, tx.user) == (
        TransactionStatus.ACTIVE,
        connector,
        tag,
        driver,
    )
    assert (tx.wh_meter_start, tx.wh_meter_last, tx.start_transaction_timestamp) == (
        1000.0,
        1000.0,
        T0,
    )


def test_a_retransmitted_16_start_returns_the_same_transaction(connector, tag):
    first = start(connector.chargepoint)
    again = start(connector.chargepoint, token="tag-1")

    assert not again.created
    assert again.transaction.pk == first.transaction.pk
    # Its own transaction is no concurrent one: the charger may go on charging.
    assert again.auth.status == AuthorizationStatus.ACCEPTED
    assert Transaction.objects.count() == 1


def test_a_start_at_the_same_time_on_another_connector_or_meter_is_another_transaction(
    connector, tag
):
    first = start(connector.chargepoint)
    other_connector = start(connector.chargepoint, ref=ConnectorRef(connectorid=2))
    other_meter = start(connector.chargepoint, meter=2000.0)

    assert other_connector.created and other_meter.created
    assert (
        len({first.transaction.pk, other_connector.transaction.pk, other_meter.transaction.pk}) == 3
    )


def test_a_start_at_another_time_is_another_transaction(connector, tag):
    first = start(connector.chargepoint)
    start(connector.chargepoint, token="OTHER", at=T0 + MINUTE)

    assert Transaction.objects.exclude(pk=first.transaction.pk).get().id_token == "OTHER"


def test_a_retransmitted_201_start_is_found_by_the_chargers_transaction_id(chargepoint, tag):
    first = start(chargepoint, ref=EVSE_1, charger_transaction_id="tx-a")
    again = start(chargepoint, ref=EVSE_1, charger_transaction_id="tx-a", at=T0 + MINUTE)

    assert not again.created and again.transaction.pk == first.transaction.pk


def test_a_tag_charging_elsewhere_starts_but_is_told_concurrent(connector, tag):
    start(connector.chargepoint)
    second = Connector.objects.create(chargepoint=connector.chargepoint, connectorid=2)

    result = start(connector.chargepoint, ref=ConnectorRef(connectorid=2), at=T0 + MINUTE)

    # OCPP 1.6 §7.2 ConcurrentTx; the transaction is recorded all the same
    # (docs/architecture.md rule 7).
    assert result.auth.status == AuthorizationStatus.CONCURRENT_TX
    assert result.created and result.transaction.connector == second


def test_an_unknown_tag_starts_a_transaction_without_a_driver(connector):
    result = start(connector.chargepoint, token="STRANGER")

    assert result.auth.status == AuthorizationStatus.UNKNOWN
    tx = result.transaction
    assert (tx.id_token, tx.id_tag, tx.user) == ("STRANGER", None, None)
    assert not ChargingSession.objects.exists()
    assert not Notification.objects.exists()


def test_a_start_creates_the_connector_it_names(chargepoint, tag):
    result = start(chargepoint, ref=ConnectorRef(connectorid=3))

    assert result.transaction.connector == Connector.objects.get(connectorid=3)


def test_a_start_on_a_reservation_completes_it(connector, tag, driver):
    reservation = Reservation.objects.create(
        reservation_id=7,
        chargepoint=connector.chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        start_time=T0 - MINUTE,
        expiry_date=T0 + 60 * MINUTE,
    )

    result = start(connector.chargepoint, reservation_id=7)

    # OCPP 1.6 §5.13, 2.0.1 H01.FR.05.
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.COMPLETED
    assert result.transaction.reservation == reservation


def test_a_start_gives_the_driver_a_session_and_tells_them(connector, tag, driver):
    tx = start(connector.chargepoint).transaction

    session = ChargingSession.objects.get()
    assert (session.transaction, session.user) == (tx, driver)
    assert Notification.objects.get().type == NotificationType.CHARGING_STARTED


def test_readings_sent_with_a_start_are_stored_and_move_the_meter(connector, tag):
    tx = start(connector.chargepoint, readings=[energy(1500, T0)]).transaction

    assert SampledValue.objects.get(transaction=tx).numeric_value == 1500.0
    tx.refresh_from_db()
    assert tx.wh_meter_last == 1500.0


# -- update (2.0.1 TransactionEvent Updated) -------------------------------------------


def update(chargepoint, seq_no, *, readings=(), **facts):
    return transaction_update(
        chargepoint_id=chargepoint.pk,
        charger_transaction_id="tx-a",
        timestamp=T0 + seq_no * MINUTE,
        ref=EVSE_1,
        facts=TransactionFacts(seq_no=seq_no, **facts),
        readings=readings,
    )


@pytest.fixture
def running(chargepoint, tag) -> Transaction:
    return start(
        chargepoint, ref=EVSE_1, charger_transaction_id="tx-a", state=ChargingState.CHARGING
    ).transaction


def test_an_update_moves_the_meter_and_keeps_the_charging_state_history(chargepoint, running):
    update(
        chargepoint,
        1,
        readings=[energy(2500, T0 + MINUTE)],
        charging_state=ChargingState.SUSPENDED_EV,
        number_of_phases_used=3,
    )

    running.refresh_from_db()
    assert (running.wh_meter_last, running.total_energy) == (2500.0, 1.5)
    assert (running.charging_state, running.number_of_phases_used) == ("SuspendedEV", 3)
    assert [entry["state"] for entry in running.charging_states] == ["Charging", "SuspendedEV"]
    assert running.sequence_number == 1


def test_an_update_that_stops_the_energy_tells_the_driver(chargepoint, running):
    update(chargepoint, 1, charging_state=ChargingState.SUSPENDED_EV)

    told = Notification.objects.filter(type=NotificationType.CHARGING_STOPPED).get()
    assert "the car stopped taking energy" in told.message


def test_a_replayed_update_stores_its_readings_once(chargepoint, running):
    update(chargepoint, 1, readings=[energy(2500, T0 + MINUTE)])
    update(chargepoint, 1, readings=[energy(2500, T0 + MINUTE)])

    assert SampledValue.objects.filter(transaction=running).count() == 1


def test_a_gap_in_sequence_numbers_is_kept_for_review(chargepoint, running):
    update(chargepoint, 4)

    # OCPP 2.0.1 E03: events 1 to 3 were lost.
    gap = ChargerEvent.objects.get(kind=ChargerEventKind.SEQUENCE_GAP)
    assert gap.status == "expected 1, received 4"
    running.refresh_from_db()
    assert running.sequence_number == 4


def test_another_card_does_not_take_over_the_transaction(chargepoint, running):
    IdTag.objects.create(idToken="OTHER-CARD")
    update(chargepoint, 1, id_token="OTHER-CARD", id_token_type="ISO14443")

    running.refresh_from_db()
    assert running.id_token == "TAG-1"


def test_an_update_for_a_transaction_never_started_is_kept_for_review(chargepoint):
    result = update(chargepoint, 3, readings=[energy(900, T0)])

    tx = result.transaction
    assert result.created
    assert tx.needs_review and "never seen starting" in tx.review_note
    assert SampledValue.objects.get(transaction=tx).numeric_value == 900.0


# -- stop --------------------------------------------------------------------------------


def stop(chargepoint, tx, *, meter=8500.0, at=T0 + 60 * MINUTE, reason="EVDisconnected"):
    return transaction_stop(
        chargepoint_id=chargepoint.pk,
        timestamp=at,
        transaction_id=tx.pk,
        meter_stop_wh=meter,
        reason=reason,
    )


def test_a_stop_completes_the_transaction_with_its_energy(connector, tag):
    tx = start(connector.chargepoint).transaction

    result = stop(connector.chargepoint, tx)

    tx.refresh_from_db()
    assert not result.created
    assert (tx.transaction_status, tx.reason_stopped, tx.stop_transaction_timestamp) == (
        TransactionStatus.COMPLETED,
        "EVDisconnected",
        T0 + 60 * MINUTE,
    )
    assert (tx.wh_meter_stop, tx.total_energy) == (8500.0, 7.5)
    assert ChargingSession.objects.get().status == "COMPLETED"
    assert Notification.objects.filter(type=NotificationType.CHARGING_COMPLETED).exists()


def test_a_doubled_stop_changes_nothing(connector, tag):
    tx = start(connector.chargepoint).transaction
    stop(connector.chargepoint, tx)
    before = Transaction.objects.values().get()

    again = stop(connector.chargepoint, tx, meter=9999.0, at=T0 + 90 * MINUTE, reason="Other")

    assert not again.created
    assert Transaction.objects.values().get() == before
    assert Notification.objects.filter(type=NotificationType.CHARGING_COMPLETED).count() == 1


def test_a_stop_without_a_meter_reading_ends_at_the_last_one(connector, tag):
    tx = start(connector.chargepoint).transaction
    meter_values_record(
        chargepoint_id=connector.chargepoint.pk,
        ref=CONNECTOR_1,
        transaction_id=tx.pk,
        readings=[energy(4000, T0 + 30 * MINUTE)],
    )

    stop(connector.chargepoint, tx, meter=None)

    tx.refresh_from_db()
    assert (tx.wh_meter_stop, tx.total_energy) == (4000.0, 3.0)


@pytest.mark.parametrize("number", [404, 2**63], ids=["small", "past 64 bits"])
def test_a_stop_for_an_unknown_transaction_is_kept_once_for_review(chargepoint, number):
    for _ in range(2):
        result = transaction_stop(
            chargepoint_id=chargepoint.pk, timestamp=T0, transaction_id=number, meter_stop_wh=5000
        )

    tx = Transaction.objects.get()
    assert result.transaction == tx
    assert (tx.charger_transaction_id, tx.transaction_status) == (str(number), "COMPLETED")
    assert tx.needs_review and "never seen starting" in tx.review_note


def test_meter_values_for_a_transaction_id_past_64_bits_are_kept_without_one(connector):
    stored = meter_values_record(
        chargepoint_id=connector.chargepoint_id,
        ref=CONNECTOR_1,
        transaction_id=2**63,
        readings=[energy(1000, T0)],
    )
    assert stored == 1
    assert SampledValue.objects.get().transaction_id is None


@pytest.mark.parametrize(
    ("failure", "note"),
    [
        # A refusal the billing rules foresee, and a failure nobody foresaw.
        ("refused", "No CDR: no tariff in the session's currency"),
        ("unexpected", "No CDR: 'currency'"),
    ],
)
def test_a_bill_that_cannot_be_made_flags_the_transaction_but_still_stops_it(
    connector, tag, monkeypatch, failure, note
):
    from billing.services.cdrs import CdrRefused

    def fails(*, tx):
        if failure == "refused":
            raise CdrRefused("no tariff in the session's currency")
        raise KeyError("currency")

    monkeypatch.setattr("billing.subscribers.cdr_create", fails)
    tx = start(connector.chargepoint).transaction

    stop(connector.chargepoint, tx)

    # A charger retries a failed stop forever: the stop succeeds, a person looks later.
    tx.refresh_from_db()
    assert tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.needs_review and tx.review_note == note


# -- meter values outside transaction events ----------------------------------------------


def test_meter_values_outside_a_transaction_are_kept_for_the_connector(connector):
    stored = meter_values_record(
        chargepoint_id=connector.chargepoint.pk,
        ref=CONNECTOR_1,
        readings=[energy(1200, T0), Reading(timestamp=T0, value="230", measurand="Voltage")],
    )

    assert stored == 2
    assert set(SampledValue.objects.values_list("connector_id", "transaction_id", "unit")) == {
        (connector.pk, None, "Wh"),
        (connector.pk, None, "V"),
    }


def test_live_values_follow_the_newest_readings_of_a_transaction(connector, tag):
    tx = start(connector.chargepoint).transaction
    at = T0 + MINUTE
    meter_values_record(
        chargepoint_id=connector.chargepoint.pk,
        ref=CONNECTOR_1,
        transaction_id=tx.pk,
        readings=[
            Reading(timestamp=at, value="7.2", measurand="Power.Active.Import", unit="kW"),
            *(
                Reading(timestamp=at, value=value, measurand="Current.Import", phase=phase)
                for value, phase in (("15", "L1"), ("16", "L2"), ("17", "L3"))
            ),
        ],
    )

    tx.refresh_from_db()
    # Power is the total, current the average of the phases.
    assert (tx.last_power_w, tx.last_current_a) == (7200.0, 16.0)


def test_an_older_batch_is_stored_but_does_not_move_the_meter_back(connector, tag):
    tx = start(connector.chargepoint).transaction
    for wh, minutes in ((3000, 30), (2000, 10)):
        meter_values_record(
            chargepoint_id=connector.chargepoint.pk,
            ref=CONNECTOR_1,
            transaction_id=tx.pk,
            readings=[energy(wh, T0 + minutes * MINUTE)],
        )

    tx.refresh_from_db()
    assert tx.wh_meter_last == 3000.0
    assert SampledValue.objects.filter(transaction=tx).count() == 2


def test_a_tariff_that_cannot_be_assigned_never_makes_a_free_cdr(connector, tag, monkeypatch):
    from billing.models import CDR

    def breaks(*, tx):
        raise RuntimeError("tariff store unreachable")

    monkeypatch.setattr("billing.subscribers.transaction_tariff_assign", breaks)
    result = start(connector.chargepoint)

    stop(connector.chargepoint, result.transaction)

    # The charger was answered and the session kept; an operator reconciles it.
    tx = Transaction.objects.get()
    assert result.created and tx.transaction_status == TransactionStatus.COMPLETED
    assert tx.needs_review and tx.review_note == "No tariff assigned: tariff store unreachable"
    assert not CDR.objects.exists()

"""Issue 16: a retransmitted reading is stored once, and a late one is still kept.

Chargers resend what they got no answer for; the database keeps one row per
(transaction, measurand, timestamp, phase, location, context). Readings that
differ in any of those, such as those of a 2.0.1 event that arrives after a
later one, are all kept. The message log still records every frame.
"""

import pytest

from chargepoints.models import SampledValue, Transaction
from ocpp_gateway.models import OCPPMessage
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.v201.handlers.helpers import (
    TX_ID,
    register,
    sample,
    started,
    transaction_event,
)

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00Z"
T2 = "2025-03-01T10:30:00Z"
T3 = "2025-03-01T10:45:00Z"


@pytest.fixture
def wire16(chargepoint) -> Wire:
    return Wire(ChargePoint16, chargepoint.chargepoint_id)


@pytest.fixture
def wire201(chargepoint) -> Wire:
    return Wire(ChargePoint201, chargepoint.chargepoint_id)


def readings() -> list[tuple]:
    return list(
        SampledValue.objects.order_by("timestamp", "measurand", "phase").values_list(
            "transaction_id", "measurand", "phase", "value"
        )
    )


def inbound_calls(action: str) -> int:
    return OCPPMessage.objects.filter(direction="INBOUND", message_type=2, action=action).count()


def start16(wire: Wire, connector_id: int = 1, id_tag: str = "TAG1") -> int:
    answer = wire.result(
        "StartTransaction",
        {"connectorId": connector_id, "idTag": id_tag, "meterStart": 1000, "timestamp": T0},
        unique_id=f"start-{connector_id}",
    )
    return answer["transactionId"]


def meter_values16(transaction_id: int, wh: str, timestamp: str = T1, connector_id: int = 1):
    return {
        "connectorId": connector_id,
        "transactionId": transaction_id,
        "meterValue": [
            {
                "timestamp": timestamp,
                "sampledValue": [
                    {"value": wh, "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "16.1", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
                    {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                ],
            }
        ],
    }


def test_a_16_meter_values_sent_three_times_is_stored_once(wire16):
    tx_id = start16(wire16)

    for attempt in range(3):
        # A charger that got no answer sends the same message again, with a new id.
        answer = wire16.call("MeterValues", meter_values16(tx_id, "2500"), f"mv-{attempt}")
        assert answer == [3, f"mv-{attempt}", {}]

    assert readings() == [
        (tx_id, "Current.Import", "L1", "16.1"),
        (tx_id, "Energy.Active.Import.Register", "", "2500"),
        (tx_id, "Power.Active.Import", "", "7400"),
    ]
    # The log keeps every frame as it came: it records traffic, not readings.
    assert inbound_calls("MeterValues") == 3
    tx = Transaction.objects.get(pk=tx_id)
    assert (tx.wh_meter_start, tx.wh_meter_last, tx.total_energy) == (1000.0, 2500.0, 1.5)
    assert (tx.last_power_w, tx.last_current_a) == (7400.0, 16.1)


def test_a_newer_reading_after_a_retransmit_still_moves_the_meter(wire16):
    tx_id = start16(wire16)
    wire16.result("MeterValues", meter_values16(tx_id, "2500", T1), "mv-1")
    wire16.result("MeterValues", meter_values16(tx_id, "2500", T1), "mv-1-again")
    wire16.result("MeterValues", meter_values16(tx_id, "4000", T2), "mv-2")

    assert [row[3] for row in readings() if row[1].startswith("Energy")] == ["2500", "4000"]
    assert Transaction.objects.get(pk=tx_id).wh_meter_last == 4000.0


def test_a_batch_holding_the_same_reading_twice_stores_it_once(wire16):
    tx_id = start16(wire16)
    payload = meter_values16(tx_id, "2500")
    payload["meterValue"].append(dict(payload["meterValue"][0]))

    assert wire16.call("MeterValues", payload, "twice") == [3, "twice", {}]

    assert len(readings()) == 3


def test_equal_readings_of_two_transactions_are_both_kept(wire16, chargepoint):
    first = start16(wire16, connector_id=1)
    second = start16(wire16, connector_id=2, id_tag="TAG2")

    wire16.result("MeterValues", meter_values16(first, "2500", connector_id=1), "mv-a")
    wire16.result("MeterValues", meter_values16(second, "2500", connector_id=2), "mv-b")

    assert {row[0] for row in readings()} == {first, second}
    assert len(readings()) == 6


def updated(seq_no: int, timestamp: str, wh: int) -> dict:
    return transaction_event(
        "Updated",
        seq_no=seq_no,
        trigger_reason="MeterValuePeriodic",
        timestamp=timestamp,
        charging_state="Charging",
        samples=[
            register(wh, context="Sample.Periodic"),
            sample(16.0, "Current.Import", phase="L1"),
        ],
    )


def test_a_201_transaction_event_retransmitted_is_stored_once(wire201):
    wire201.result("TransactionEvent", started(), unique_id="te-0")
    for attempt in range(3):
        assert wire201.result("TransactionEvent", updated(1, T1, 2500), f"te-1-{attempt}") == {}

    tx = Transaction.objects.get(charger_transaction_id=TX_ID)
    assert readings() == [
        (tx.pk, "Energy.Active.Import.Register", "", "1500"),
        (tx.pk, "Current.Import", "L1", "16"),
        (tx.pk, "Energy.Active.Import.Register", "", "2500"),
    ]
    assert inbound_calls("TransactionEvent") == 4
    assert (tx.wh_meter_last, tx.sequence_number, tx.last_current_a) == (2500.0, 1, 16.0)


def test_a_late_201_event_with_a_lower_seq_no_keeps_its_readings(wire201):
    # Sent offline, delivered out of order: seqNo 2 arrives before seqNo 1.
    wire201.result("TransactionEvent", started(), unique_id="te-0")
    wire201.result("TransactionEvent", updated(2, T2, 4000), unique_id="te-2")

    assert wire201.result("TransactionEvent", updated(1, T1, 2500), unique_id="te-1") == {}

    energy = [row[3] for row in readings() if row[1].startswith("Energy")]
    assert energy == ["1500", "2500", "4000"]
    tx = Transaction.objects.get(charger_transaction_id=TX_ID)
    # Kept as readings; the meter and the sequence stay where the newest put them.
    assert (tx.wh_meter_last, tx.sequence_number) == (4000.0, 2)


def test_a_late_201_event_retransmitted_is_still_stored_once(wire201):
    wire201.result("TransactionEvent", started(), unique_id="te-0")
    wire201.result("TransactionEvent", updated(2, T2, 4000), unique_id="te-2")
    wire201.result("TransactionEvent", updated(1, T1, 2500), unique_id="te-1")
    wire201.result("TransactionEvent", updated(1, T1, 2500), unique_id="te-1-again")
    wire201.result("TransactionEvent", updated(2, T2, 4000), unique_id="te-2-again")

    assert len(readings()) == 5
    assert Transaction.objects.get(charger_transaction_id=TX_ID).wh_meter_last == 4000.0

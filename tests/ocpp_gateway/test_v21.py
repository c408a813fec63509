"""OCPP 2.1 chargers get the 2.0.1 behaviour, checked against the 2.1 schemas."""

import pytest

from chargepoints.models import Transaction
from ocpp_gateway.admission import negotiate_subprotocol
from ocpp_gateway.models import OCPPMessage
from ocpp_gateway.v21.adapter import ChargePoint21
from tests.ocpp_gateway.helpers import Wire


@pytest.fixture
def wire(chargepoint):
    return Wire(ChargePoint21, chargepoint.pk)


def test_a_21_charger_runs_a_session(wire):
    boot = wire.result(
        "BootNotification",
        {"chargingStation": {"vendorName": "ACME", "model": "Next"}, "reason": "PowerUp"},
    )
    assert boot["status"] == "Accepted"
    for event_type, seq_no, energy in (("Started", 0, 1000), ("Ended", 1, 4000)):
        payload = {
            "eventType": event_type,
            "timestamp": f"2026-11-21T10:0{seq_no}:00Z",
            "triggerReason": "Authorized" if event_type == "Started" else "EVDeparted",
            "seqNo": seq_no,
            "transactionInfo": {"transactionId": "v21-tx"},
            "meterValue": [
                {
                    "timestamp": f"2026-11-21T10:0{seq_no}:00Z",
                    "sampledValue": [{"value": energy}],
                }
            ],
        }
        if event_type == "Started":
            payload["evse"] = {"id": 1, "connectorId": 1}
        assert wire.result("TransactionEvent", payload, unique_id=event_type) == {}
    tx = Transaction.objects.get()
    assert (tx.transaction_status, tx.total_energy) == ("COMPLETED", 3.0)


def test_an_action_new_in_21_is_recognised_but_not_supported(wire):
    answer = wire.call(
        "BatterySwap",
        {
            "eventType": "BatteryIn",
            "requestId": 1,
            "idToken": {"idToken": "X", "type": "ISO14443"},
            "batteryData": [],
        },
    )
    assert answer[:3] == [4, "1", "NotSupported"]


@pytest.mark.parametrize(
    "frame", ['[6, "s1", "NotifyPeriodicEventStream", {}]', '[5, "r1", "GenericError", "", {}]']
)
def test_send_and_callresulterror_frames_are_logged_and_never_answered(wire, frame):
    assert wire.send_raw(frame) is None
    assert OCPPMessage.objects.get().payload == {"raw": frame}


def test_201_is_preferred_over_21_and_21_over_16():
    assert negotiate_subprotocol(["ocpp2.1", "ocpp2.0.1"]) == "ocpp2.0.1"
    assert negotiate_subprotocol(["ocpp1.6", "ocpp2.1"]) == "ocpp2.1"

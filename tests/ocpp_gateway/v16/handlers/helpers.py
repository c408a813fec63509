"""OCPP 1.6J handler tests: frames as a charger sends them, and what to expect back."""

import datetime

from accounts.models import IdTag
from chargepoints.models import ChargerEvent, Transaction
from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.models import OCPPMessage
from tests.ocpp_gateway.helpers import Wire

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:15:00Z"
T2 = "2025-03-01T10:30:00Z"


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


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


def tag(token: str, **fields) -> IdTag:
    return IdTag.objects.create(idToken=token, **fields)


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


def event(kind: str) -> ChargerEvent:
    return ChargerEvent.objects.get(chargepoint_id="CP-TEST-1", kind=kind)

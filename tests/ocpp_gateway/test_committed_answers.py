"""Once a service has written, the answer must not fail: a charger retries an error forever."""

import pytest

from accounts.models import IdTag
from chargepoints.models import ChargerEvent, SampledValue, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire


def test_a_16_start_with_an_empty_id_tag_is_answered_invalid(chargepoint):
    answer = Wire(ChargePoint16, chargepoint.pk).result(
        "StartTransaction",
        {"connectorId": 1, "idTag": "", "meterStart": 0, "timestamp": "2026-11-21T10:00:00Z"},
    )
    tx = Transaction.objects.get()
    assert answer == {"transactionId": tx.pk, "idTagInfo": {"status": "Invalid"}}


def test_a_group_tag_too_long_for_201_is_left_out(chargepoint):
    parent = IdTag.objects.create(idToken="G" * 40)
    IdTag.objects.create(idToken="CHILD", parent_id_tag=parent)
    answer = Wire(ChargePoint201, chargepoint.pk).result(
        "Authorize", {"idToken": {"idToken": "CHILD", "type": "ISO14443"}}
    )
    assert answer == {"idTokenInfo": {"status": "Accepted"}}


def test_a_no_authorization_token_is_accepted_by_the_domain(chargepoint):
    answer = Wire(ChargePoint201, chargepoint.pk).result(
        "Authorize", {"idToken": {"idToken": "", "type": "NoAuthorization"}}
    )
    assert answer == {"idTokenInfo": {"status": "Accepted"}}


def _event(timestamp: str) -> dict:
    return {
        "eventId": 1,
        "timestamp": timestamp,
        "trigger": "Alerting",
        "actualValue": "true",
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": "Connector"},
        "variable": {"name": "Problem"},
    }


def test_notify_event_stores_all_of_its_events_or_none(chargepoint):
    wire = Wire(ChargePoint201, chargepoint.pk)
    answer = wire.call(
        "NotifyEvent",
        {
            "generatedAt": "2026-11-21T10:00:00Z",
            "seqNo": 0,
            "eventData": [_event("2026-11-21T10:00:00Z"), _event("not a date")],
        },
    )
    assert answer[:3] == [4, "1", "PropertyConstraintViolation"]
    assert not ChargerEvent.objects.exists()


@pytest.fixture
def started(chargepoint):
    wire = Wire(ChargePoint201, chargepoint.pk)
    wire.result(
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": "2026-11-21T10:00:00Z",
            "triggerReason": "CablePluggedIn",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "r-1"},
            "evse": {"id": 1, "connectorId": 1},
        },
    )
    return wire


def test_a_retransmitted_update_does_not_store_its_readings_twice(started):
    update = {
        "eventType": "Updated",
        "timestamp": "2026-11-21T10:05:00Z",
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 1,
        "transactionInfo": {"transactionId": "r-1"},
        "meterValue": [{"timestamp": "2026-11-21T10:05:00Z", "sampledValue": [{"value": 1500}]}],
    }
    started.result("TransactionEvent", update, unique_id="a")
    started.result("TransactionEvent", update, unique_id="b")
    assert SampledValue.objects.count() == 1

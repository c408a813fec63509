"""OCPP 2.0.1: every action a charging station sends, answered and logged."""

import re

import pytest
from django.conf import settings

from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.models import OCPPMessage
from tests.ocpp_gateway.v201.handlers.helpers import CHARGEPOINT_ID, REQUESTS


def assert_iso_utc(value: str) -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value), value


CURRENT_TIME = object()  # stands for a currentTime checked by shape only
ANSWERS = {
    "Authorize": {"idTokenInfo": {"status": "Unknown"}},
    "BootNotification": {
        "currentTime": CURRENT_TIME,
        "interval": settings.CSMS_HEARTBEAT_INTERVAL,
        "status": "Accepted",
    },
    "ClearedChargingLimit": {},
    "DataTransfer": {"status": "UnknownVendorId"},
    "FirmwareStatusNotification": {},
    "Get15118EVCertificate": {"status": "Failed", "exiResponse": ""},
    "GetCertificateStatus": {"status": "Failed"},
    "Heartbeat": {"currentTime": CURRENT_TIME},
    "LogStatusNotification": {},
    "MeterValues": {},
    "NotifyChargingLimit": {},
    "NotifyCustomerInformation": {},
    "NotifyDisplayMessages": {},
    "NotifyEVChargingNeeds": {"status": "Rejected"},
    "NotifyEVChargingSchedule": {"status": "Accepted"},
    "NotifyEvent": {},
    "NotifyMonitoringReport": {},
    "NotifyReport": {},
    "PublishFirmwareStatusNotification": {},
    "ReportChargingProfiles": {},
    "ReservationStatusUpdate": {},
    "SecurityEventNotification": {},
    "SignCertificate": {"status": "Rejected"},
    "StatusNotification": {},
    "TransactionEvent": {},
}


@pytest.mark.parametrize("action", sorted(REQUESTS))
def test_it_answers_every_charger_action_with_a_callresult_and_logs_both_frames(wire, action):
    answer = wire.call(action, REQUESTS[action], unique_id="msg-17")

    expected = ANSWERS[action]
    assert answer[:2] == [3, "msg-17"]
    assert answer[2].keys() == expected.keys()
    for key, value in expected.items():
        if value is CURRENT_TIME:
            assert_iso_utc(answer[2][key])
        else:
            assert answer[2][key] == value
    logged = OCPPMessage.objects.filter(chargepoint_id=CHARGEPOINT_ID).order_by("direction")
    assert [(m.direction, m.message_type, m.message_id, m.action, m.payload) for m in logged] == [
        (MessageDirection.INBOUND, MessageType.CALL, "msg-17", action, REQUESTS[action]),
        (MessageDirection.OUTBOUND, MessageType.CALLRESULT, "msg-17", action, answer[2]),
    ]


def test_the_examples_cover_every_action_the_adapter_handles(wire):
    handled = set(wire.adapter.handlers())
    assert handled == set(REQUESTS) == set(ANSWERS)
    assert len(handled) == 25

"""OCPP 1.6 commands whose outcome is the answer alone: the CALL sent, the answer read."""

import pytest

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.v16.commands.helpers import (
    ACCEPTED,
    FIRMWARE_URL,
    SIGNED,
    T_EXPIRY,
    T_INSTALL,
    T_RETRIEVE,
    UPLOAD_URL,
    assert_answer,
    assert_frame,
)

# Stands for the request id the command was given, which the charger echoes.
REQUEST_ID = "<request id>"


def call(name, params, action, payload, answer=ACCEPTED, *, id):
    return pytest.param(name, params, action, payload, answer, id=id)


COMPOSITE = {
    "status": "Accepted",
    "connectorId": 1,
    "scheduleStart": T_RETRIEVE,
    "chargingSchedule": {
        "duration": 3600,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
    },
}
GET_LOG = {
    "location": UPLOAD_URL,
    "log_type": "SecurityLog",
    "oldest_timestamp": T_RETRIEVE,
    "retries": 1,
}
CALLS = [
    # Tags match regardless of case; the charger is given the tag as we know it.
    call(
        "remote_start",
        {"id_tag": "tag-0001", "connector_id": 1},
        "RemoteStartTransaction",
        {"connectorId": 1, "idTag": "TAG-0001"},
        id="remote_start",
    ),
    call(
        "remote_start",
        {"id_tag": "UNKNOWN-1"},
        "RemoteStartTransaction",
        {"idTag": "UNKNOWN-1"},
        id="remote_start-any-connector",
    ),
    call("reset", {"type": "soft"}, "Reset", {"type": "Soft"}, id="reset-soft"),
    call("reset", {"type": "hard"}, "Reset", {"type": "Hard"}, id="reset-hard"),
    # Seed 004 speaks 2.0.1: OnIdle is 1.6 Soft, Immediate is Hard.
    call("reset", {"type": "OnIdle"}, "Reset", {"type": "Soft"}, id="reset-OnIdle-is-soft"),
    call("reset", {"type": "Immediate"}, "Reset", {"type": "Hard"}, id="reset-Immediate-is-hard"),
    call("reset", {}, "Reset", {"type": "Soft"}, id="reset-soft-by-default"),
    call(
        "unlock_connector",
        {"connector_id": 1},
        "UnlockConnector",
        {"connectorId": 1},
        {"status": "Unlocked"},
        id="unlock_connector",
    ),
    call(
        "trigger_message",
        {"requested_message": "StatusNotification", "connector_id": 1},
        "TriggerMessage",
        {"requestedMessage": "StatusNotification", "connectorId": 1},
        id="trigger_message-for-a-connector",
    ),
    call(
        "trigger_message",
        {"requested_message": "Heartbeat"},
        "TriggerMessage",
        {"requestedMessage": "Heartbeat"},
        id="trigger_message",
    ),
    call("clear_cache", {}, "ClearCache", {}, id="clear_cache"),
    call(
        "data_transfer",
        {"vendor_id": "com.acme", "message_id": "Hello", "data": "plain text"},
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "Hello", "data": "plain text"},
        {"status": "Accepted", "data": "ok"},
        id="data_transfer-text",
    ),
    # OCPP 1.6 §4.3 DataTransfer: data is text, so structured data travels as JSON text.
    call(
        "data_transfer",
        {"vendor_id": "com.acme", "data": {"limit": 16, "phases": [1, 2]}},
        "DataTransfer",
        {"vendorId": "com.acme", "data": '{"limit":16,"phases":[1,2]}'},
        id="data_transfer-structured-as-json-text",
    ),
    call(
        "get_composite_schedule",
        {"duration": 3600, "connector_id": 1, "charging_rate_unit": "A"},
        "GetCompositeSchedule",
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "A"},
        COMPOSITE,
        id="get_composite_schedule",
    ),
    call(
        "get_composite_schedule",
        {"duration": 3600},
        "GetCompositeSchedule",
        {"connectorId": 0, "duration": 3600},
        id="get_composite_schedule-whole-charger",
    ),
    # UpdateFirmware.conf is empty: answering at all is accepting.
    call(
        "update_firmware",
        {"location": FIRMWARE_URL, "retrieve_date": T_RETRIEVE, "retries": 3, "retry_interval": 60},
        "UpdateFirmware",
        {"location": FIRMWARE_URL, "retrieveDate": T_RETRIEVE, "retries": 3, "retryInterval": 60},
        {},
        id="update_firmware",
    ),
    # Improved security for OCPP 1.6-J §3: a signed update is SignedUpdateFirmware.
    call(
        "update_firmware",
        SIGNED,
        "SignedUpdateFirmware",
        {
            "requestId": REQUEST_ID,
            "firmware": {
                "location": FIRMWARE_URL,
                "retrieveDateTime": T_RETRIEVE,
                "installDateTime": T_INSTALL,
                "signingCertificate": SIGNED["signing_certificate"],
                "signature": SIGNED["signature"],
            },
            "retries": 2,
        },
        id="update_firmware-signed",
    ),
    # GetDiagnostics.conf names the file at most: answering at all is accepting.
    call(
        "get_diagnostics",
        {"location": UPLOAD_URL},
        "GetDiagnostics",
        {"location": UPLOAD_URL},
        {"fileName": "diagnostics.zip"},
        id="get_diagnostics",
    ),
    call(
        "get_diagnostics",
        {"location": UPLOAD_URL, "start_time": T_RETRIEVE, "stop_time": T_EXPIRY, "retries": 1},
        "GetDiagnostics",
        {"location": UPLOAD_URL, "startTime": T_RETRIEVE, "stopTime": T_EXPIRY, "retries": 1},
        {},
        id="get_diagnostics-nothing-to-upload",
    ),
    # The security extension's GetLog.
    call(
        "get_log",
        GET_LOG,
        "GetLog",
        {
            "logType": "SecurityLog",
            "requestId": REQUEST_ID,
            "log": {"remoteLocation": UPLOAD_URL, "oldestTimestamp": T_RETRIEVE},
            "retries": 1,
        },
        {"status": "Accepted", "filename": "security.log"},
        id="get_log",
    ),
]


@pytest.mark.parametrize("name, params, action, payload, answer", CALLS)
def test_it_sends_the_1_6_call_and_records_the_answer(
    exchange, connector, tag, name, params, action, payload, answer
):
    command, sent = exchange(name, params, answer)
    if payload.get("requestId") == REQUEST_ID:
        payload = {**payload, "requestId": command.request_id}
    assert_frame(command, sent, action, payload)
    assert_answer(command, CommandStatus.ACCEPTED, answer)


# The least each command needs, for the answers below.
MINIMAL = {
    "remote_start": {"id_tag": "TAG-0001"},
    "reset": {},
    "unlock_connector": {"connector_id": 1},
    "trigger_message": {"requested_message": "Heartbeat"},
    "clear_cache": {},
    "data_transfer": {"vendor_id": "com.acme"},
    "get_composite_schedule": {"duration": 3600},
    "update_firmware": SIGNED,
    "get_log": GET_LOG,
}


@pytest.mark.parametrize(
    "name, status, accepted",
    [
        ("remote_start", "Rejected", False),
        ("reset", "Rejected", False),
        ("unlock_connector", "UnlockFailed", False),
        ("unlock_connector", "NotSupported", False),
        ("trigger_message", "Rejected", False),
        ("trigger_message", "NotImplemented", False),
        ("clear_cache", "Rejected", False),
        ("data_transfer", "Rejected", False),
        ("data_transfer", "UnknownVendorId", False),
        ("data_transfer", "UnknownMessageId", False),
        ("get_composite_schedule", "Rejected", False),
        ("update_firmware", "Rejected", False),
        ("update_firmware", "InvalidCertificate", False),
        ("update_firmware", "RevokedCertificate", False),
        # Accepted, and an update in progress canceled for it.
        ("update_firmware", "AcceptedCanceled", True),
        ("get_log", "AcceptedCanceled", True),
        ("get_log", "Rejected", False),
    ],
)
def test_it_reads_whether_the_charger_accepted(exchange, connector, tag, name, status, accepted):
    answer = {"status": status}
    command, _ = exchange(name, MINIMAL[name], answer)
    expected = CommandStatus.ACCEPTED if accepted else CommandStatus.REJECTED
    assert_answer(command, expected, answer)


def test_it_accepts_a_composite_schedule_with_one_decimal_limits(exchange, connector):
    schedule = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.3}],
    }
    answer = {**COMPOSITE, "chargingSchedule": schedule}
    command, _ = exchange("get_composite_schedule", {"duration": 3600, "connector_id": 1}, answer)
    assert_answer(command, CommandStatus.ACCEPTED, answer)

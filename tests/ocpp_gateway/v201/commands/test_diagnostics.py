"""OCPP 2.0.1 block N Diagnostics: GetLog."""

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.command_helpers import command_issue


def test_it_follows_a_log_upload_by_its_request_id(online, charger):
    command = command_issue(
        online,
        "get_log",
        {
            "location": "https://logs.example.com/upload",
            "log_type": "securitylog",
            "oldest_timestamp": "2025-01-01T00:00:00Z",
            "retries": 1,
        },
    )
    answer = {"status": "Accepted", "filename": "security.log"}

    sent = charger.command(command, answer)

    request_id = command.request_id
    assert sent == [
        2,
        command.message_id,
        "GetLog",
        {
            "logType": "SecurityLog",
            "requestId": request_id,
            "log": {
                "remoteLocation": "https://logs.example.com/upload",
                "oldestTimestamp": "2025-01-01T00:00:00Z",
            },
            "retries": 1,
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer

    charger.call("LogStatusNotification", {"status": "Uploading", "requestId": request_id})

    command.refresh_from_db()
    assert command.progress == "Uploading"


def test_it_asks_for_a_diagnostics_log_by_default(online, charger):
    command = command_issue(online, "get_log", {"location": "https://logs.example.com/upload"})

    sent = charger.command(command, {"status": "Rejected"})

    assert sent[3] == {
        "logType": "DiagnosticsLog",
        "requestId": command.request_id,
        "log": {"remoteLocation": "https://logs.example.com/upload"},
    }
    assert command.status == CommandStatus.REJECTED

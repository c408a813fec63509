"""OCPP 2.0.1 block L FirmwareManagement: UpdateFirmware, followed by its request id."""

from django.utils import timezone

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.command_helpers import command_issue

# In the future whenever the suite runs.
T_RETRIEVE = f"{timezone.now().year + 2}-01-01T02:00:00Z"


def test_it_follows_a_firmware_update_by_its_request_id(online, charger):
    command = command_issue(
        online,
        "update_firmware",
        {
            "location": "https://firmware.example.com/bmw/2.4.1.bin",
            "retrieve_date": T_RETRIEVE,
            "retries": 3,
            "retry_interval": 60,
        },
    )

    sent = charger.command(command, {"status": "Accepted"})

    request_id = command.request_id
    assert sent == [
        2,
        command.message_id,
        "UpdateFirmware",
        {
            "requestId": request_id,
            "firmware": {
                "location": "https://firmware.example.com/bmw/2.4.1.bin",
                "retrieveDateTime": T_RETRIEVE,
            },
            "retries": 3,
            "retryInterval": 60,
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.progress == ""

    answer = charger.call(
        "FirmwareStatusNotification", {"status": "Downloading", "requestId": request_id}
    )

    assert answer == [3, "1", {}]
    command.refresh_from_db()
    assert command.progress == "Downloading"
    assert command.progress_at is not None


def test_it_leaves_a_firmware_update_alone_when_a_report_names_another_request(online, charger):
    command = command_issue(
        online, "update_firmware", {"location": "https://firmware.example.com/a.bin"}
    )
    charger.command(command, {"status": "AcceptedCanceled"})
    assert command.status == CommandStatus.ACCEPTED

    charger.call(
        "FirmwareStatusNotification", {"status": "Installed", "requestId": command.request_id + 1}
    )

    command.refresh_from_db()
    assert command.progress == ""


def test_it_records_a_firmware_update_the_charger_refused(online, charger):
    command = command_issue(
        online, "update_firmware", {"location": "https://firmware.example.com/a.bin"}
    )

    charger.command(command, {"status": "InvalidCertificate"})

    assert command.status == CommandStatus.REJECTED

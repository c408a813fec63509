"""OCPP 1.6 firmware updates and diagnostics/log uploads (2.0.1 blocks L and N)."""

import pytest

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.v16.commands.helpers import FIRMWARE_URL, SIGNED, UPLOAD_URL, assert_fields


@pytest.mark.parametrize(
    "name, params, report, progress",
    [
        (
            "update_firmware",
            {"location": FIRMWARE_URL},
            "FirmwareStatusNotification",
            "Downloading",
        ),
        ("get_diagnostics", {"location": UPLOAD_URL}, "DiagnosticsStatusNotification", "Uploading"),
    ],
)
def test_it_follows_progress_reports_on_the_accepted_command(
    exchange, charger, name, params, report, progress
):
    # Plain 1.6 reports name no request: the newest accepted command of its kind is meant.
    command, _ = exchange(name, params, answer={})
    assert command.status == CommandStatus.ACCEPTED
    assert charger.call(report, {"status": progress}) == [3, "1", {}]
    assert_fields(command, progress=progress)


@pytest.mark.parametrize(
    "name, params, report, progress",
    [
        ("update_firmware", SIGNED, "SignedFirmwareStatusNotification", "Downloading"),
        ("get_log", {"location": UPLOAD_URL}, "LogStatusNotification", "Uploading"),
    ],
)
def test_it_follows_security_extension_reports_on_the_request_they_name(
    exchange, charger, name, params, report, progress
):
    first, _ = exchange(name, params)
    newer, _ = exchange(name, params)
    assert charger.call(report, {"status": progress, "requestId": first.request_id}) == [3, "1", {}]
    assert_fields(first, progress=progress)
    assert_fields(newer, progress="")

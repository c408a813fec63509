"""OCPP 2.0.1 block P DataTransfer."""

import pytest

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.command_helpers import command_issue


@pytest.mark.parametrize(
    "data, sent_data",
    [
        ({"mode": "eco", "levels": [1, 2]}, {"mode": "eco", "levels": [1, 2]}),
        ('{"mode": "eco", "levels": [1, 2]}', {"mode": "eco", "levels": [1, 2]}),
        ("plain text", "plain text"),
    ],
    ids=["object", "json-text", "text"],
)
def test_it_sends_vendor_data_as_json(online, charger, data, sent_data):
    command = command_issue(
        online,
        "data_transfer",
        {"vendor_id": "com.bmw.wallbox", "message_id": "SetMode", "data": data},
    )
    answer = {"status": "Accepted", "data": {"ok": True}}

    sent = charger.command(command, answer)

    assert sent == [
        2,
        command.message_id,
        "DataTransfer",
        {"vendorId": "com.bmw.wallbox", "messageId": "SetMode", "data": sent_data},
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer


def test_it_records_an_unknown_vendor_as_rejected(online, charger):
    command = command_issue(online, "data_transfer", {"vendor_id": "com.example"})

    sent = charger.command(command, {"status": "UnknownVendorId"})

    assert sent == [2, command.message_id, "DataTransfer", {"vendorId": "com.example"}]
    assert command.status == CommandStatus.REJECTED

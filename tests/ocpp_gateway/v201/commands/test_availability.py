"""OCPP 2.0.1 block G Availability: ChangeAvailability."""

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.command_helpers import command_issue


def test_it_takes_the_whole_station_out_of_service(online, evse, charger):
    command = command_issue(online, "change_availability", {"type": "unavailable"})

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "ChangeAvailability",
        {"operationalStatus": "Inoperative"},
    ]
    assert command.status == CommandStatus.ACCEPTED
    online.refresh_from_db()
    evse.refresh_from_db()
    assert online.availability_status == "Inoperative"
    assert evse.availability_status == "Inoperative"


def test_it_takes_one_connector_out_of_service(online, evse, charger):
    command = command_issue(
        online, "change_availability", {"type": "Inoperative", "connector_id": 1}
    )

    sent = charger.command(command, {"status": "Scheduled"})

    assert sent == [
        2,
        command.message_id,
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Scheduled"}
    online.refresh_from_db()
    evse.refresh_from_db()
    assert evse.availability_status == "Inoperative"
    assert online.availability_status == "Operative"


def test_it_changes_no_availability_the_charger_rejected(online, evse, charger):
    command = command_issue(online, "change_availability", {"type": "Inoperative"})

    charger.command(command, {"status": "Rejected"})

    assert command.status == CommandStatus.REJECTED
    online.refresh_from_db()
    assert online.availability_status == "Operative"

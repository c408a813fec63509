"""OCPP 2.0.1 block F RemoteControl: start, stop, unlock, trigger."""

import pytest

from accounts.models import IdTag
from chargepoints.enums import CommandStatus
from chargepoints.models import Connector
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v201.commands.helpers import TX_ID, refused

# -- starting and stopping ----------------------------------------------------


@pytest.mark.parametrize(
    "token_type, sent_type",
    [("ISO14443", "ISO14443"), ("Local", "Local"), ("", "Central")],
)
def test_it_starts_a_transaction_with_the_tags_own_token_type(
    online, evse, charger, token_type, sent_type
):
    IdTag.objects.create(idToken="RFID-0042", token_type=token_type)
    command = command_issue(
        online, "remote_start", {"id_tag": "rfid-0042", "connector_id": 1, "remote_start_id": 42}
    )
    answer = {"status": "Accepted", "transactionId": TX_ID}

    sent = charger.command(command, answer)

    assert sent == [
        2,
        command.message_id,
        "RequestStartTransaction",
        {
            "evseId": 1,
            "idToken": {"idToken": "RFID-0042", "type": sent_type},
            "remoteStartId": 42,
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer


def test_it_starts_with_an_unknown_token_as_central_and_a_fresh_remote_start_id(
    online, evse, charger
):
    command = command_issue(online, "remote_start", {"id_tag": "APP-7"})

    sent = charger.command(command, {"status": "Rejected"})

    # OCPP 2.0.1 F01.FR.01: a remoteStartId on every request, even when none was asked.
    remote_start_id = command.params["remote_start_id"]
    assert 1 <= remote_start_id < 2**31
    assert sent == [
        2,
        command.message_id,
        "RequestStartTransaction",
        {"idToken": {"idToken": "APP-7", "type": "Central"}, "remoteStartId": remote_start_id},
    ]
    assert command.status == CommandStatus.REJECTED
    assert command.response == {"status": "Rejected"}


@pytest.mark.parametrize("params", [{"connector_id": 1}, {}], ids=["by-connector", "the-only-one"])
def test_it_stops_a_transaction_by_the_chargers_transaction_id(
    online, evse, active_tx, charger, params
):
    command = command_issue(online, "remote_stop", params)

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "RequestStopTransaction", {"transactionId": TX_ID}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}
    assert command.transaction == active_tx
    assert command.connector == evse


def test_it_refuses_to_stop_when_no_transaction_is_active(online, evse):
    errors = refused(online, "remote_stop", {"connector_id": 1})

    assert errors == {"transaction_id": ["There is no active transaction on connector 1."]}


@pytest.mark.parametrize(
    "answer, status",
    [("Unlocked", CommandStatus.ACCEPTED), ("UnlockFailed", CommandStatus.REJECTED)],
)
def test_it_unlocks_a_connector_by_its_evse_address(online, evse, charger, answer, status):
    second = Connector.objects.create(
        chargepoint=online, connectorid=2, evse_id=2, evse_connector_id=1
    )
    command = command_issue(online, "unlock_connector", {"connector_id": 2})

    sent = charger.command(command, {"status": answer})

    assert sent == [2, command.message_id, "UnlockConnector", {"evseId": 2, "connectorId": 1}]
    assert command.status == status
    assert command.response == {"status": answer}
    assert command.connector == second


# -- triggers -----------------------------------------------------------------


@pytest.mark.parametrize(
    "params, payload",
    [
        ({"requested_message": "BootNotification"}, {"requestedMessage": "BootNotification"}),
        (
            {"requested_message": "StatusNotification", "connector_id": 1},
            {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}},
        ),
    ],
)
def test_it_triggers_a_message(online, evse, charger, params, payload):
    command = command_issue(online, "trigger_message", params)

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [2, command.message_id, "TriggerMessage", payload]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}


def test_it_records_a_trigger_the_charger_does_not_implement(online, charger):
    command = command_issue(online, "trigger_message", {"requested_message": "MeterValues"})

    charger.command(command, {"status": "NotImplemented"})

    assert command.status == CommandStatus.REJECTED
    assert command.response == {"status": "NotImplemented"}


@pytest.mark.parametrize("message", ["DiagnosticsStatusNotification", "StartTransaction"])
def test_it_refuses_a_trigger_that_exists_only_in_16(online, message):
    errors = refused(online, "trigger_message", {"requested_message": message})

    assert list(errors) == ["requested_message"]
    assert "OCPP 2.0.1 triggers one of:" in errors["requested_message"][0]

"""OCPP 2.0.1 block E Transactions: GetTransactionStatus."""

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v201.commands.helpers import TX_ID, refused


def test_it_asks_for_the_status_of_a_transaction(online, evse, active_tx, charger):
    command = command_issue(online, "get_transaction_status", {"transaction_id": active_tx.pk})
    answer = {"ongoingIndicator": True, "messagesInQueue": False}

    sent = charger.command(command, answer)

    assert sent == [2, command.message_id, "GetTransactionStatus", {"transactionId": TX_ID}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == answer
    assert command.transaction == active_tx


def test_it_asks_whether_any_transaction_messages_are_queued(online, charger):
    command = command_issue(online, "get_transaction_status")

    sent = charger.command(command, {"messagesInQueue": True})

    assert sent == [2, command.message_id, "GetTransactionStatus", {}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"messagesInQueue": True}


def test_it_refuses_the_status_of_a_transaction_it_does_not_know(online):
    errors = refused(online, "get_transaction_status", {"transaction_id": 999})

    assert list(errors) == ["transaction_id"]

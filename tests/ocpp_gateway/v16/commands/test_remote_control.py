"""OCPP 1.6 remote stop (Core; 2.0.1 block F RemoteControl)."""

import pytest

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.v16.commands.helpers import ACCEPTED, REJECTED, assert_answer, assert_frame


@pytest.mark.parametrize(
    "answer, status",
    [(ACCEPTED, CommandStatus.ACCEPTED), (REJECTED, CommandStatus.REJECTED)],
)
def test_it_stops_the_active_transaction_by_our_transaction_id(
    exchange, connector, tx, answer, status
):
    # OCPP 1.6: the transaction id is ours, given in StartTransaction.conf.
    command, sent = exchange("remote_stop", {"connector_id": 1}, answer)
    assert_frame(command, sent, "RemoteStopTransaction", {"transactionId": tx.pk})
    assert_answer(command, status, answer)
    assert (command.transaction, command.connector) == (tx, connector)

"""OCPP 2.0.1 block C Authorization: ClearCache."""

import pytest

from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.command_helpers import command_issue


@pytest.mark.parametrize(
    "answer, status",
    [("Accepted", CommandStatus.ACCEPTED), ("Rejected", CommandStatus.REJECTED)],
)
def test_it_clears_the_authorization_cache(online, charger, answer, status):
    command = command_issue(online, "clear_cache")

    sent = charger.command(command, {"status": answer})

    assert sent == [2, command.message_id, "ClearCache", {}]
    assert command.status == status
    assert command.response == {"status": answer}

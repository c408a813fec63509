import pytest

from chargepoints.enums import CommandStatus
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.ocpp_gateway.command_helpers import ScriptedCharger, command_issue


@pytest.fixture
def online(chargepoint):
    chargepoint.connected = True
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


def test_reset_is_sent_and_accepted(online, connector):
    charger = ScriptedCharger(ChargePoint16, online.pk)
    command = command_issue(online, "reset", {"type": "hard"})
    sent = charger.command(command, {"status": "Accepted"})
    assert sent == [2, command.message_id, "Reset", {"type": "Hard"}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"status": "Accepted"}

"""Every command an OCPP 1.6 charger takes: the frame sent, the record kept, what it changed.

Each test issues a command as ``command_request`` would, lets a scripted
charger answer it, and checks three things: the exact CALL on the wire, the
stored Command (action, request, status, response), and the database state
an accepted answer changes and a refused one must leave alone. The tests are
split by OCPP 2.0.1 functional block, as the handler tests are.
"""

import pytest
from django.utils import timezone

from accounts.models import IdTag
from chargepoints.models import ChargePoint, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.ocpp_gateway.command_helpers import ScriptedCharger, command_issue
from tests.ocpp_gateway.v16.commands.helpers import ACCEPTED


@pytest.fixture
def online(chargepoint) -> ChargePoint:
    chargepoint.connected = True
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def charger(online) -> ScriptedCharger:
    return ScriptedCharger(ChargePoint16, online.pk)


@pytest.fixture
def exchange(online, charger):
    """Issue a command and let the charger answer it; return the record and the frame sent."""

    def exchange(name: str, params: dict | None = None, answer=ACCEPTED):
        # Fresh from the database: earlier commands may have changed the charger.
        command = command_issue(ChargePoint.objects.get(pk=online.pk), name, params)
        return command, charger.command(command, answer)

    return exchange


@pytest.fixture
def tag(driver) -> IdTag:
    return IdTag.objects.create(idToken="TAG-0001", user=driver)


@pytest.fixture
def tx(online, connector, tag) -> Transaction:
    return Transaction.objects.create(
        chargepoint=online,
        connector=connector,
        id_tag=tag,
        start_transaction_timestamp=timezone.now(),
    )

"""Every command a 2.0.1 charger takes: the exact CALL sent, the record kept, what changed.

The charger is seed 004's BMW wallbox: one EVSE with one connector, on OCPP
2.0.1. Each test issues a command as ``command_request`` would, lets the
adapter send it, answers it as the charger would, and reads the result. The
tests are split by OCPP 2.0.1 functional block, as the handler tests are.
"""

import pytest
from django.utils import timezone

from accounts.models import IdTag
from chargepoints.models import Connector, Transaction
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.command_helpers import ScriptedCharger
from tests.ocpp_gateway.v201.commands.helpers import TX_ID


@pytest.fixture
def online(chargepoint):
    chargepoint.connected = True
    chargepoint.ocpp_version = "ocpp2.0.1"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def evse(online) -> Connector:
    return Connector.objects.create(
        chargepoint=online, connectorid=1, evse_id=1, evse_connector_id=1
    )


@pytest.fixture
def charger(online) -> ScriptedCharger:
    return ScriptedCharger(ChargePoint201, online.pk)


@pytest.fixture
def active_tx(online, evse) -> Transaction:
    return Transaction.objects.create(
        chargepoint=online,
        connector=evse,
        charger_transaction_id=TX_ID,
        start_transaction_timestamp=timezone.now(),
    )


@pytest.fixture
def rfid(driver) -> IdTag:
    group = IdTag.objects.create(idToken="FAMILY")
    return IdTag.objects.create(
        idToken="RFID-0042", token_type="ISO14443", user=driver, parent_id_tag=group
    )

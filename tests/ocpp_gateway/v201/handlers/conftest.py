"""The OCPP 2.0.1 adapter, driven with frames as a charger sends them.

Each test sends CALLs through the frame layer, asserts the exact frame sent
back and the rows the domain services stored. The transaction frames follow
the BMW wallbox of seed 004 (evse 1, connector 1, three phases). The tests
are split like ``ocpp_gateway/v201/handlers``: one module per functional block.
"""

import pytest

from accounts.models import IdTag
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.v201.handlers.helpers import TAG


@pytest.fixture
def wire(chargepoint) -> Wire:
    return Wire(ChargePoint201, chargepoint.chargepoint_id)


@pytest.fixture
def tag(driver) -> IdTag:
    return IdTag.objects.create(idToken=TAG, token_type="ISO14443", user=driver)

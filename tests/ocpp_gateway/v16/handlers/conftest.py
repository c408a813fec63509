"""OCPP 1.6J adapter: every action a charger sends, as frames, and what gets stored.

The tests are split like ``ocpp_gateway/v16/handlers``: one module per
OCPP 2.0.1 functional block that the 1.6 messages mirror.
"""

import pytest

from ocpp_gateway.v16.adapter import ChargePoint16
from tests.ocpp_gateway.helpers import Wire


@pytest.fixture
def wire(chargepoint) -> Wire:
    return Wire(ChargePoint16, chargepoint.chargepoint_id)

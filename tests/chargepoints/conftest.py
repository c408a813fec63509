"""Fixtures the charging-session tests share: a connected charger (the answering
one, `charger`, is in tests/conftest.py)."""

import pytest


@pytest.fixture
def online(chargepoint, connector):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.connected = True
    chargepoint.connection_id = "conn-1"
    chargepoint.save()
    return chargepoint

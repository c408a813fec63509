"""A connection's adapter is freed when the connection goes: nothing of the gateway keeps it."""

import gc
import weakref

import pytest

from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire

pytestmark = pytest.mark.django_db

CALLS = {
    ChargePoint16: ("Heartbeat", {}),
    ChargePoint201: ("Heartbeat", {}),
}


@pytest.mark.parametrize("adapter_class", list(CALLS), ids=["1.6", "2.0.1"])
def test_an_adapter_that_handled_calls_is_freed_with_its_connection(adapter_class, chargepoint):
    # A handler cache keyed by bound methods once kept every adapter (and its
    # connection) alive for the life of the process.
    wire = Wire(adapter_class, chargepoint.pk)
    action, payload = CALLS[adapter_class]
    assert wire.call(action, payload)[0] == 3
    gone = weakref.ref(wire.adapter)
    del wire
    gc.collect()
    assert gone() is None


def test_the_handlers_are_the_classs_not_each_connections():
    first, second = ChargePoint16("CP-1", send=None), ChargePoint16("CP-2", send=None)
    assert first.handlers() is second.handlers()
    assert "MeterValues" in first.handlers() and "route_map" not in vars(first)

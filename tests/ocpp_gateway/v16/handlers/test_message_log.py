"""OCPP 1.6J: every exchange in the message log, once in each direction."""

from ocpp_gateway.models import OCPPMessage
from tests.ocpp_gateway.v16.handlers.helpers import call


def test_it_logs_each_exchange_once_in_each_direction(wire, chargepoint):
    call(wire, "Heartbeat", {}, "hb-1")
    call(
        wire,
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
        "sn-1",
    )

    assert OCPPMessage.objects.filter(chargepoint=chargepoint).count() == 4

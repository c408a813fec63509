"""OCPP 2.0.1 block L FirmwareManagement: PublishFirmwareStatusNotification."""

from chargepoints.models import ChargerEvent
from tests.ocpp_gateway.v201.handlers.helpers import REQUESTS


def test_it_keeps_the_locations_a_local_controller_published_firmware_at(wire):
    # OCPP 2.0.1 PublishFirmwareStatusNotificationRequest.location: "Required if
    # status is Published"; the CSMS hands these URIs to the stations behind it.
    wire.result("PublishFirmwareStatusNotification", REQUESTS["PublishFirmwareStatusNotification"])

    assert ChargerEvent.objects.get().payload == {
        "location": ["https://lc.example.com/fw-1.9.3.bin"]
    }

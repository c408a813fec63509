"""OCPP 1.6J FirmwareStatusNotification and SignedFirmwareStatusNotification (2.0.1 block L)."""

from chargepoints.enums import ChargerEventKind
from tests.ocpp_gateway.v16.handlers.helpers import call, event


def test_it_keeps_the_firmware_update_status(wire):
    frame = call(wire, "FirmwareStatusNotification", {"status": "Installed"}, "fw-1")

    assert frame == [3, "fw-1", {}]
    firmware = event(ChargerEventKind.FIRMWARE_STATUS)
    assert (firmware.status, firmware.payload) == ("Installed", {"status": "Installed"})


def test_it_keeps_the_signed_firmware_update_status(wire):
    payload = {"status": "InvalidSignature", "requestId": 12}

    frame = call(wire, "SignedFirmwareStatusNotification", payload, "sfw-1")

    assert frame == [3, "sfw-1", {}]
    firmware = event(ChargerEventKind.FIRMWARE_STATUS)
    assert (firmware.status, firmware.request_id) == ("InvalidSignature", 12)
    assert firmware.payload == payload

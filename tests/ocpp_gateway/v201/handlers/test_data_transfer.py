"""OCPP 2.0.1 block P DataTransfer."""

from chargepoints.models import ChargerEvent


def test_it_keeps_vendor_data_exactly_as_sent(wire):
    payload = {"vendorId": "com.bmw.wallbox", "data": {"led_level": 46, "SOC": 80}}

    wire.result("DataTransfer", payload)

    assert ChargerEvent.objects.get().payload == payload

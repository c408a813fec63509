"""OCPP 2.0.1 block J MeterValues."""

from chargepoints.models import Connector, SampledValue
from tests.ocpp_gateway.v201.handlers.helpers import CHARGEPOINT_ID, REQUESTS, T1, register, utc


def test_it_stores_main_meter_readings_of_evse_0_without_a_connector(wire):
    payload = {
        "evseId": 0,
        "meterValue": [
            {"timestamp": T1, "sampledValue": [register(88000, context="Sample.Clock")]}
        ],
    }
    assert wire.result("MeterValues", payload) == {}

    reading = SampledValue.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert reading.connector is None
    assert reading.transaction is None
    assert (reading.value, reading.numeric_value, reading.unit, reading.context) == (
        "88000",
        88000.0,
        "Wh",
        "Sample.Clock",
    )
    assert not Connector.objects.exists()


def test_it_stores_evse_meter_readings_on_that_evse_connector(wire):
    wire.result("MeterValues", REQUESTS["MeterValues"])

    reading = SampledValue.objects.get(chargepoint_id=CHARGEPOINT_ID)
    assert (reading.connector.evse_id, reading.connector.evse_connector_id) == (1, 1)
    assert reading.timestamp == utc(T1)
    assert reading.numeric_value == 1520.0

"""OCPP 1.6J DataTransfer (Core; 2.0.1 block P)."""

from chargepoints.enums import ChargerEventKind
from tests.ocpp_gateway.v16.handlers.helpers import call, event


def test_it_answers_a_data_transfer_with_unknown_vendor_and_keeps_it(wire):
    frame = call(wire, "DataTransfer", {"vendorId": "com.alfen"}, "dt-1")

    # We run no vendor extensions (OCPP 1.6 §7.23 DataTransferStatus).
    assert frame == [3, "dt-1", {"status": "UnknownVendorId"}]
    transfer = event(ChargerEventKind.DATA_TRANSFER)
    assert transfer.status == "com.alfen"
    assert transfer.payload == {"vendorId": "com.alfen"}


def test_it_keeps_a_data_transfer_as_the_charger_sent_it(wire):
    payload = {"vendorId": "com.alfen", "messageId": "Telemetry", "data": '{"temp": 41}'}

    call(wire, "DataTransfer", payload, "dt-1")

    assert event(ChargerEventKind.DATA_TRANSFER).payload == payload

"""P DataTransfer: vendor-specific data, kept as sent."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.enums import ChargerEventKind
from chargepoints.services.events import (
    chargepoint_event_record,
)


class DataTransferHandlers:
    """DataTransfer."""

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id, *, raw_payload, **_):
        # ``data`` is free-form JSON: keep it exactly as sent, not key-converted.
        await self.run(
            chargepoint_event_record,
            kind=ChargerEventKind.DATA_TRANSFER,
            status=vendor_id,
            payload=raw_payload,
        )
        # We run no vendor extensions (2.0.1 P01: UnknownVendorId).
        return call_result.DataTransfer(status="UnknownVendorId")

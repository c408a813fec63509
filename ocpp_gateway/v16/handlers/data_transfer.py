"""Core profile: vendor-specific data (2.0.1 block P)."""

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.enums import ChargerEventKind
from ocpp_gateway.v16.handlers.common import ChargerReports


class DataTransferHandlers(ChargerReports):
    """DataTransfer."""

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id, message_id=None, data=None, **_):
        payload = {"vendorId": vendor_id, "messageId": message_id, "data": data}
        await self._event(ChargerEventKind.DATA_TRANSFER, payload, vendor_id)
        # We run no vendor extensions: the honest answer (§7.22 DataTransferStatus).
        return call_result.DataTransfer(status="UnknownVendorId")

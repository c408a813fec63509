"""Firmware Management profile and security extension: firmware update progress (2.0.1 block L)."""

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.enums import ChargerEventKind
from ocpp_gateway.v16.handlers.common import ChargerReports


class FirmwareHandlers(ChargerReports):
    """FirmwareStatusNotification, SignedFirmwareStatusNotification."""

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status, **_):
        await self._progress(ChargerEventKind.FIRMWARE_STATUS, status)
        return call_result.FirmwareStatusNotification()

    @on(Action.signed_firmware_status_notification)
    async def on_signed_firmware_status_notification(self, status, request_id=None, **_):
        await self._progress(ChargerEventKind.FIRMWARE_STATUS, status, request_id)
        return call_result.SignedFirmwareStatusNotification()

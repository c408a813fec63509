"""L FirmwareManagement: progress of firmware updates and publishing."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.enums import ChargerEventKind
from ocpp_gateway.v201.handlers.common import ChargerReports


class FirmwareHandlers(ChargerReports):
    """FirmwareStatusNotification, PublishFirmwareStatusNotification."""

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status, request_id=None, **_):
        await self._progress(ChargerEventKind.FIRMWARE_STATUS, status, request_id)
        return call_result.FirmwareStatusNotification()

    @on(Action.publish_firmware_status_notification)
    async def on_publish_firmware_status_notification(
        self, status, location=None, request_id=None, **_
    ):
        # location: the URIs the firmware is published at (required when Published).
        await self._event(
            ChargerEventKind.PUBLISH_FIRMWARE_STATUS,
            status,
            request_id=request_id,
            payload={"location": location} if location else None,
        )
        return call_result.PublishFirmwareStatusNotification()

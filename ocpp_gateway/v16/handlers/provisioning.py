"""Core profile: a charge point booting and beating (2.0.1 block B)."""

from django.utils import timezone
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.services.boot import BootInfo, chargepoint_boot, chargepoint_heartbeat
from ocpp_gateway.timefmt import ocpp_datetime


class ProvisioningHandlers:
    """BootNotification, Heartbeat."""

    @on(Action.boot_notification)
    async def on_boot_notification(self, charge_point_vendor, charge_point_model, **optional):
        info = BootInfo(
            vendor=charge_point_vendor,
            model=charge_point_model,
            serial_number=optional.get("charge_point_serial_number", ""),
            chargebox_serial_number=optional.get("charge_box_serial_number", ""),
            firmware_version=optional.get("firmware_version", ""),
            iccid=optional.get("iccid", ""),
            imsi=optional.get("imsi", ""),
            meter_type=optional.get("meter_type", ""),
            meter_serial_number=optional.get("meter_serial_number", ""),
        )
        result = await self.run(chargepoint_boot, info=info, at=timezone.now())
        # What the charger is told now is what it may do until its next boot.
        self.registration_status = result.status
        return call_result.BootNotification(
            current_time=ocpp_datetime(), interval=result.interval, status=result.status
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_):
        at = await self.run(chargepoint_heartbeat, at=timezone.now())
        return call_result.Heartbeat(current_time=ocpp_datetime(at))

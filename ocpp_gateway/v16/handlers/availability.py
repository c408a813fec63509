"""Core profile: the status of each connector (2.0.1 block G)."""

from django.utils import timezone
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.status import status_report
from ocpp_gateway.adapter import parse_timestamp


class AvailabilityHandlers:
    """StatusNotification."""

    @on(Action.status_notification)
    async def on_status_notification(self, connector_id, error_code, status, **optional):
        await self.run(
            status_report,
            ref=ConnectorRef(connectorid=connector_id),
            status=status,
            error_code=error_code,
            timestamp=parse_timestamp(optional.get("timestamp")) or timezone.now(),
            info=optional.get("info", ""),
            vendor_id=optional.get("vendor_id", ""),
            vendor_error_code=optional.get("vendor_error_code", ""),
        )
        return call_result.StatusNotification()

"""G Availability: the status of each connector."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.status import status_report
from ocpp_gateway.adapter import parse_timestamp


class AvailabilityHandlers:
    """StatusNotification."""

    @on(Action.status_notification)
    async def on_status_notification(self, timestamp, connector_status, evse_id, connector_id, **_):
        await self.run(
            status_report,
            ref=ConnectorRef(evse_id=evse_id, evse_connector_id=connector_id),
            status=connector_status,
            timestamp=parse_timestamp(timestamp),
        )
        return call_result.StatusNotification()

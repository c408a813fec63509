"""B Provisioning: a charging station booting, beating, reporting its device model."""

from django.utils import timezone
from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.services.boot import BootInfo, chargepoint_boot, chargepoint_heartbeat
from chargepoints.services.connectors import ConnectorsReported
from chargepoints.services.events import (
    VariableValue,
    configuration_store,
)
from ocpp_gateway.timefmt import ocpp_datetime
from ocpp_gateway.v201.password_variable import REDACTED, is_password


class ProvisioningHandlers:
    """BootNotification, Heartbeat, NotifyReport."""

    @on(Action.boot_notification)
    async def on_boot_notification(self, charging_station, reason, **_):
        modem = charging_station.get("modem") or {}
        info = BootInfo(
            vendor=charging_station["vendor_name"],
            model=charging_station["model"],
            serial_number=charging_station.get("serial_number", ""),
            firmware_version=charging_station.get("firmware_version", ""),
            iccid=modem.get("iccid", ""),
            imsi=modem.get("imsi", ""),
            reason=reason,
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

    @on(Action.notify_report)
    async def on_notify_report(self, request_id, generated_at, seq_no, report_data=None, **_):
        values = []
        # 2.0.1 device model: each EVSE and connector is a component addressed
        # by its EVSE id (and connector id). A report may come in parts, and
        # a part may name only some connectors: it can only raise the count.
        outlets = set()
        for item in report_data or []:
            component, variable = item["component"], item["variable"]
            evse = component.get("evse") or {}
            if evse.get("id"):
                outlets.add((evse["id"], evse.get("connector_id") or 1))
            # The charger's own password (write-only, yet reported): never stored.
            password = is_password(component, variable)
            for attribute in item["variable_attribute"]:
                if "value" not in attribute:
                    continue  # write-only attributes are reported without a value
                values.append(
                    VariableValue(
                        component=component["name"],
                        component_instance=component.get("instance", ""),
                        evse_id=evse.get("id", 0),
                        evse_connector_id=evse.get("connector_id", 0),
                        variable=variable["name"],
                        variable_instance=variable.get("instance", ""),
                        attribute_type=attribute.get("type", "Actual"),
                        value=REDACTED if password else str(attribute["value"]),
                        readonly=attribute.get("mutability") == "ReadOnly",
                    )
                )
        connectors = ConnectorsReported(count=len(outlets)) if outlets else None
        await self.run(configuration_store, values=values, connectors=connectors)
        return call_result.NotifyReport()

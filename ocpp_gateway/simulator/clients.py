"""The simulated chargers' side of CSMS commands: what a well-behaved charger answers.

A remote start begins a charging session and a remote stop ends it, as on
a real charger; other commands get the answer a charger that supports
them gives. Sessions are started from ``@after`` handlers as tasks: the
client reads its socket in the same loop, so awaiting our own calls there
would never see their answers.
"""

import asyncio

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as Library16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as Library201
from ocpp.v201 import call_result as result201

# What a simulated 1.6 charger reports in GetConfiguration.
CONFIGURATION_16 = {
    "HeartbeatInterval": "300",
    "MeterValueSampleInterval": "60",
    "NumberOfConnectors": "1",
    "AuthorizeRemoteTxRequests": "false",
}


class _Remote:
    """What both versions' clients share: the simulated charger they belong to."""

    def __init__(self, *args, charger, **kwargs):
        super().__init__(*args, **kwargs)
        self.charger = charger

    def _start(self, **session) -> None:
        self.charger.session_task = asyncio.create_task(
            self.charger.remote_session(self, **session)
        )


class Client16(_Remote, Library16):
    @on("RemoteStartTransaction")
    async def on_remote_start(self, id_tag, **_):
        status = "Rejected" if self.charger.charging else "Accepted"
        return result16.RemoteStartTransaction(status=status)

    @after("RemoteStartTransaction")
    async def after_remote_start(self, id_tag, **_):
        if not self.charger.charging:
            self._start(id_tag=id_tag)

    @on("RemoteStopTransaction")
    async def on_remote_stop(self, transaction_id, **_):
        ours = self.charger.charging and transaction_id == self.charger.transaction_id
        if ours:
            self.charger.stop_requested.set()
        return result16.RemoteStopTransaction(status="Accepted" if ours else "Rejected")

    @on("Reset")
    async def on_reset(self, type, **_):
        return result16.Reset(status="Accepted")

    @on("ChangeAvailability")
    async def on_change_availability(self, connector_id, type, **_):
        return result16.ChangeAvailability(
            status="Scheduled" if self.charger.charging else "Accepted"
        )

    @on("UnlockConnector")
    async def on_unlock(self, connector_id, **_):
        return result16.UnlockConnector(status="Unlocked")

    @on("TriggerMessage")
    async def on_trigger(self, requested_message, **_):
        return result16.TriggerMessage(status="Accepted")

    @on("ClearCache")
    async def on_clear_cache(self, **_):
        return result16.ClearCache(status="Accepted")

    @on("GetConfiguration")
    async def on_get_configuration(self, key=None, **_):
        wanted = key or list(CONFIGURATION_16)
        known = [
            {"key": name, "readonly": False, "value": CONFIGURATION_16[name]}
            for name in wanted
            if name in CONFIGURATION_16
        ]
        unknown = [name for name in wanted if name not in CONFIGURATION_16]
        return result16.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on("ChangeConfiguration")
    async def on_change_configuration(self, key, value, **_):
        if key not in CONFIGURATION_16:
            return result16.ChangeConfiguration(status="NotSupported")
        CONFIGURATION_16[key] = value
        return result16.ChangeConfiguration(status="Accepted")

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, connector_id, cs_charging_profiles, **_):
        return result16.SetChargingProfile(status="Accepted")

    @on("DataTransfer")
    async def on_data_transfer(self, vendor_id, **_):
        return result16.DataTransfer(status="UnknownVendorId")


class Client201(_Remote, Library201):
    @on("RequestStartTransaction")
    async def on_request_start(self, id_token, remote_start_id, **_):
        status = "Rejected" if self.charger.charging else "Accepted"
        return result201.RequestStartTransaction(status=status)

    @after("RequestStartTransaction")
    async def after_request_start(self, id_token, remote_start_id, **_):
        if not self.charger.charging:
            self._start(id_tag=id_token["id_token"], remote_start_id=remote_start_id)

    @on("RequestStopTransaction")
    async def on_request_stop(self, transaction_id, **_):
        ours = self.charger.charging and transaction_id == self.charger.transaction_id
        if ours:
            self.charger.stop_requested.set()
        return result201.RequestStopTransaction(status="Accepted" if ours else "Rejected")

    @on("Reset")
    async def on_reset(self, type, **_):
        return result201.Reset(status="Scheduled" if self.charger.charging else "Accepted")

    @on("ChangeAvailability")
    async def on_change_availability(self, operational_status, **_):
        return result201.ChangeAvailability(
            status="Scheduled" if self.charger.charging else "Accepted"
        )

    @on("UnlockConnector")
    async def on_unlock(self, evse_id, connector_id, **_):
        return result201.UnlockConnector(status="Unlocked")

    @on("TriggerMessage")
    async def on_trigger(self, requested_message, **_):
        return result201.TriggerMessage(status="Accepted")

    @on("ClearCache")
    async def on_clear_cache(self, **_):
        return result201.ClearCache(status="Accepted")

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, evse_id, charging_profile, **_):
        return result201.SetChargingProfile(status="Accepted")

    @on("SetVariables")
    async def on_set_variables(self, set_variable_data, **_):
        return result201.SetVariables(
            set_variable_result=[
                {
                    "attribute_type": item.get("attribute_type", "Actual"),
                    "attribute_status": "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in set_variable_data
            ]
        )

    @on("DataTransfer")
    async def on_data_transfer(self, vendor_id, **_):
        return result201.DataTransfer(status="UnknownVendorId")

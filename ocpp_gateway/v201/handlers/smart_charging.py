"""K SmartCharging: profiles, limits and an EV's needs, as the charging station reports them."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.enums import ChargerEventKind
from chargepoints.services.events import (
    ReportedProfile,
    charging_profiles_store,
)
from ocpp_gateway.adapter import parse_timestamp
from ocpp_gateway.v201.handlers.common import ChargerReports


class SmartChargingHandlers(ChargerReports):
    """ReportChargingProfiles, NotifyChargingLimit, ClearedChargingLimit, NotifyEVCharging*."""

    @on(Action.report_charging_profiles)
    async def on_report_charging_profiles(
        self, request_id, charging_limit_source, charging_profile, evse_id, **_
    ):
        profiles = []
        for profile in charging_profile:
            schedule = profile["charging_schedule"][0]
            profiles.append(
                ReportedProfile(
                    chargingprofile_id=profile["id"],
                    stack_level=profile["stack_level"],
                    purpose=profile["charging_profile_purpose"],
                    kind=profile["charging_profile_kind"],
                    recurrency_kind=profile.get("recurrency_kind", ""),
                    valid_from=parse_timestamp(profile.get("valid_from")),
                    valid_to=parse_timestamp(profile.get("valid_to")),
                    schedule_id=schedule["id"],
                    duration=schedule.get("duration"),
                    start_schedule=parse_timestamp(schedule.get("start_schedule")),
                    charging_rate_unit=schedule["charging_rate_unit"],
                    min_charging_rate=schedule.get("min_charging_rate"),
                    periods=schedule["charging_schedule_period"],
                )
            )
        await self.run(charging_profiles_store, evse_id=evse_id, profiles=profiles)
        return call_result.ReportChargingProfiles()

    @on(Action.notify_charging_limit)
    async def on_notify_charging_limit(self, charging_limit, evse_id=None, **optional):
        await self._event(
            ChargerEventKind.CHARGING_LIMIT,
            charging_limit["charging_limit_source"],
            evse_id=evse_id,
            payload={"charging_limit": charging_limit, **optional},
        )
        return call_result.NotifyChargingLimit()

    @on(Action.cleared_charging_limit)
    async def on_cleared_charging_limit(self, charging_limit_source, evse_id=None, **_):
        await self._event(
            ChargerEventKind.CHARGING_LIMIT_CLEARED, charging_limit_source, evse_id=evse_id
        )
        return call_result.ClearedChargingLimit()

    @on(Action.notify_ev_charging_needs)
    async def on_notify_ev_charging_needs(self, charging_needs, evse_id, **optional):
        await self._event(
            ChargerEventKind.EV_CHARGING_NEEDS,
            charging_needs["requested_energy_transfer"],
            evse_id=evse_id,
            payload={"charging_needs": charging_needs, **optional},
        )
        # We compute no ISO 15118 schedules: the honest answer (2.0.1 K15).
        return call_result.NotifyEVChargingNeeds(status="Rejected")

    @on(Action.notify_ev_charging_schedule)
    async def on_notify_ev_charging_schedule(self, time_base, charging_schedule, evse_id, **_):
        await self._event(
            ChargerEventKind.EV_CHARGING_SCHEDULE,
            charging_schedule["charging_rate_unit"],
            evse_id=evse_id,
            payload={"time_base": time_base, "charging_schedule": charging_schedule},
        )
        return call_result.NotifyEVChargingSchedule(status="Accepted")

"""Reports that update charger state without being about a transaction."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from chargepoints.enums import ChargerEventKind, ReservationStatus
from chargepoints.models import (
    ChargePoint,
    ChargerEvent,
    ChargingProfile,
    ConfigurationVariable,
    Reservation,
)
from chargepoints.services.connectors import (
    ConnectorsReported,
    chargepoint_connector_count_update,
)


def chargepoint_event_record(
    *,
    chargepoint_id: str,
    kind: ChargerEventKind,
    payload: dict,
    status: str = "",
    timestamp: datetime.datetime | None = None,
    evse_id: int | None = None,
    request_id: int | None = None,
    detail: str = "",
) -> ChargerEvent:
    return ChargerEvent.objects.create(
        chargepoint_id=chargepoint_id,
        kind=kind,
        status=status[:100],
        timestamp=timestamp or timezone.now(),
        evse_id=evse_id,
        request_id=request_id,
        detail=detail,
        payload=payload,
    )


@dataclass(frozen=True)
class EventRecord:
    kind: ChargerEventKind
    payload: dict
    status: str = ""
    timestamp: datetime.datetime | None = None
    evse_id: int | None = None
    request_id: int | None = None
    detail: str = ""


@transaction.atomic
def chargepoint_events_record(*, chargepoint_id: str, events: Sequence[EventRecord]) -> int:
    """Store several reports of one message together, or none of them."""
    received = timezone.now()
    ChargerEvent.objects.bulk_create(
        [
            ChargerEvent(
                chargepoint_id=chargepoint_id,
                kind=event.kind,
                status=event.status[:100],
                timestamp=event.timestamp or received,
                evse_id=event.evse_id,
                request_id=event.request_id,
                detail=event.detail,
                payload=event.payload,
            )
            for event in events
        ]
    )
    return len(events)


@dataclass(frozen=True)
class VariableValue:
    """One attribute of a device-model variable, or a 1.6 configuration key."""

    variable: str
    value: str
    component: str = ""
    component_instance: str = ""
    evse_id: int = 0
    evse_connector_id: int = 0
    variable_instance: str = ""
    attribute_type: str = "Actual"
    readonly: bool = False


@transaction.atomic
def configuration_store(
    *,
    chargepoint_id: str,
    values: Sequence[VariableValue],
    connectors: ConnectorsReported | None = None,
) -> int:
    """Upsert reported settings into the per-charger store (NotifyReport, GetConfiguration).

    ``connectors``: how many connectors the report says the charger has.
    """
    chargepoint = ChargePoint.objects.get(pk=chargepoint_id)
    if connectors is not None:
        chargepoint_connector_count_update(chargepoint_id=chargepoint_id, reported=connectors)
    for item in values:
        ConfigurationVariable.objects.update_or_create(
            chargepoint=chargepoint,
            component=item.component,
            component_instance=item.component_instance,
            evse_id=item.evse_id,
            evse_connector_id=item.evse_connector_id,
            variable=item.variable,
            variable_instance=item.variable_instance,
            attribute_type=item.attribute_type,
            defaults={"value": item.value[:2500], "readonly": item.readonly},
        )
    return len(values)


@dataclass(frozen=True)
class ReportedProfile:
    chargingprofile_id: int
    stack_level: int
    purpose: str
    kind: str
    charging_rate_unit: str
    periods: list
    schedule_id: int | None = None
    recurrency_kind: str = ""
    valid_from: datetime.datetime | None = None
    valid_to: datetime.datetime | None = None
    duration: int | None = None
    start_schedule: datetime.datetime | None = None
    min_charging_rate: float | None = None


@transaction.atomic
def charging_profiles_store(
    *, chargepoint_id: str, evse_id: int | None, profiles: Sequence[ReportedProfile]
) -> int:
    """Keep the profiles a charger reports as installed (2.0.1 ReportChargingProfiles)."""
    chargepoint = ChargePoint.objects.get(pk=chargepoint_id)
    connector = (
        chargepoint.connectors.filter(evse_id=evse_id).order_by("evse_connector_id").first()
        if evse_id
        else None
    )
    for profile in profiles:
        ChargingProfile.objects.update_or_create(
            chargepoint=chargepoint,
            chargingprofile_id=profile.chargingprofile_id,
            defaults={
                "name": f"Reported profile {profile.chargingprofile_id}",
                "connector": connector,
                "stack_level": profile.stack_level,
                "chargingprofile_purpose": profile.purpose,
                "chargingprofile_kind": profile.kind,
                "recurrency_kind": profile.recurrency_kind,
                "valid_from": profile.valid_from,
                "valid_to": profile.valid_to,
                "duration": profile.duration,
                "start_schedule": profile.start_schedule,
                "chargingschedule_id": profile.schedule_id,
                "charging_rate_unit": profile.charging_rate_unit,
                "chargingschedule_period": profile.periods,
                "min_charging_rate": profile.min_charging_rate,
            },
        )
    return len(profiles)


# OCPP 2.0.1 ReservationUpdateStatusEnumType -> our reservation status.
_RESERVATION_UPDATES = {
    "Expired": ReservationStatus.EXPIRED,
    "Removed": ReservationStatus.CANCELED,
}


@transaction.atomic
def reservation_status_update(*, chargepoint_id: str, reservation_id: int, status: str) -> bool:
    """A charger ended a reservation by itself (2.0.1 ReservationStatusUpdate)."""
    chargepoint_event_record(
        chargepoint_id=chargepoint_id,
        kind=ChargerEventKind.RESERVATION_STATUS,
        status=status,
        payload={"reservationId": reservation_id, "reservationUpdateStatus": status},
    )
    new_status = _RESERVATION_UPDATES.get(status)
    if new_status is None:
        return False
    updated = Reservation.objects.filter(
        chargepoint_id=chargepoint_id,
        reservation_id=reservation_id,
        status=ReservationStatus.ACTIVE,
    ).update(status=new_status, updated_at=timezone.now())
    return bool(updated)

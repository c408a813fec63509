"""A charger over its flood limits: its refused frames counted, one event per episode.

The gateway refuses the frames (``ocpp_gateway.flood``) and reports them here
in batches, at most about once a second per connection, never once a frame:
a flood must not cost the database a write per frame it sends.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from chargepoints.enums import ChargerEventKind
from chargepoints.models import ChargePoint, ChargerEvent
from chargepoints.services.events import chargepoint_event_record

# The event's status: refusing frames, or the connection closed because the charger kept on.
LIMITED = "Limited"
DISCONNECTED = "Disconnected"


@dataclass(frozen=True)
class FloodReport:
    """What a connection refused since its last report, within one episode of flooding."""

    refused: int
    episode_refused: int
    started_at: datetime.datetime
    # The limits in force, as the operator reads them in the event.
    limits: dict = field(default_factory=dict)
    closed: bool = False


@transaction.atomic
def chargepoint_flood_record(
    *, chargepoint_id: str, report: FloodReport, event_id: int | None = None
) -> int | None:
    """Add the refused frames to the charger's count; create or update the episode's event.

    Returns the event's id, for the next report of the same episode (None
    when the charge point is gone).
    """
    counted = ChargePoint.objects.filter(pk=chargepoint_id).update(
        frames_refused=F("frames_refused") + report.refused
    )
    if not counted:
        return None
    status = DISCONNECTED if report.closed else LIMITED
    payload = {"refused": report.episode_refused, **report.limits}
    if event_id is not None and ChargerEvent.objects.filter(pk=event_id).update(
        status=status, payload=payload
    ):
        return event_id
    return chargepoint_event_record(
        chargepoint_id=chargepoint_id,
        kind=ChargerEventKind.FRAMES_LIMITED,
        status=status,
        timestamp=report.started_at,
        detail="Frames over the charger's flood limits were refused, neither processed nor stored.",
        payload=payload,
    ).pk

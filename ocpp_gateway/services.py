"""The OCPP message log: recording frames, and pruning old ones."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from csms.rows import rows_insert
from ocpp_gateway.models import OCPPMessage


@dataclass(frozen=True)
class Frame:
    direction: str
    message_type: int
    message_id: str
    action: str
    payload: object
    timestamp: datetime.datetime


def messages_record(*, chargepoint_id: str, frames: Sequence[Frame]) -> None:
    messages_record_many([(chargepoint_id, frames)])


def messages_record_many(entries: Sequence[tuple[str, Sequence[Frame]]]) -> None:
    """Log the frames of many chargers at once (one insert): (charge point id, frames)."""
    rows_insert(
        [
            OCPPMessage(
                chargepoint_id=chargepoint_id,
                direction=frame.direction,
                message_type=frame.message_type,
                message_id=frame.message_id[:36],
                action=frame.action[:50],
                payload=frame.payload,
                timestamp=frame.timestamp,
            )
            for chargepoint_id, frames in entries
            for frame in frames
        ]
    )


def messages_prune(*, older_than_days: int) -> int:
    """Delete log entries older than the retention period; return how many."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    deleted, _ = OCPPMessage.objects.filter(timestamp__lt=cutoff).delete()
    return deleted

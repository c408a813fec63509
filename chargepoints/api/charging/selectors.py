"""Sessions and reservations as they are now, worked out when read and never written.

A session still waiting for its charger has failed once its start command
failed, and timed out once the charger took too long; a reservation past
its expiry date has expired. The periodic sweep (``manage.py expire_sessions``
and the server's own timer, chargepoints.services.expiry) writes that down;
until it runs, a read shows the same without writing (docs/architecture.md:
reads never write). Filters and ordering use the same annotations.
"""

import datetime

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from chargepoints.enums import CommandStatus, ReservationStatus, SessionStatus
from chargepoints.models import ChargingSession, Reservation
from chargepoints.services.sessions import charging_session_start_timeout

# A start command in these states may still work (as driving.command_outcome says).
_UNDECIDED = [CommandStatus.ACCEPTED, CommandStatus.PENDING, CommandStatus.SENT]


def charging_sessions_current(
    *, sessions: QuerySet[ChargingSession], now: datetime.datetime | None = None
) -> QuerySet[ChargingSession]:
    """The sessions with ``current_status`` and ``current_end_time`` as of ``now``."""
    now = now or timezone.now()
    timeout = charging_session_start_timeout()
    waiting = Q(status=SessionStatus.ACTIVE, transaction__isnull=True)
    failed = waiting & Q(start_command__isnull=False) & ~Q(start_command__status__in=_UNDECIDED)
    timed_out = waiting & Q(start_time__lt=now - timeout)
    return sessions.annotate(
        current_status=Case(
            When(failed, then=Value(SessionStatus.FAILED)),
            When(timed_out, then=Value(SessionStatus.TIMEOUT)),
            default=F("status"),
            output_field=CharField(),
        ),
        current_end_time=Case(
            When(failed, then=Coalesce(F("start_command__answered_at"), Value(now))),
            When(timed_out, then=F("start_time") + timeout),
            default=F("end_time"),
            output_field=DateTimeField(),
        ),
    )


def reservations_current(
    *, reservations: QuerySet[Reservation], now: datetime.datetime | None = None
) -> QuerySet[Reservation]:
    """The reservations with ``current_status`` as of ``now``: past their expiry, EXPIRED."""
    expired = Q(status=ReservationStatus.ACTIVE, expiry_date__lte=now or timezone.now())
    return reservations.annotate(
        current_status=Case(
            When(expired, then=Value(ReservationStatus.EXPIRED)),
            default=F("status"),
            output_field=CharField(),
        )
    )

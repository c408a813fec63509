"""Reservations as they are now, worked out when read and never written.

A reservation past its expiry date has expired: the periodic sweep
(``manage.py expire_sessions`` and the server's own timer,
chargepoints.services.expiry) writes that down; until it runs, a read shows
the same without writing (docs/architecture.md: reads never write). A
session needs no such thing: its status is moved by events
(chargepoints.services.session_states), and is what is stored.
"""

import datetime

from django.db.models import (
    Case,
    CharField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from chargepoints.enums import ReservationStatus
from chargepoints.models import Reservation


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

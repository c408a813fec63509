"""Rules for reservations, the same for drivers (the API) and operators (commands)."""

import datetime

from django.conf import settings
from django.utils import timezone


def reservation_expiry_problem(expiry: datetime.datetime) -> str | None:
    """Why a reservation may not end at ``expiry``; None when it may.

    A reservation holds a connector from everyone else: one until the year
    9999 was accepted (issue 15), so it ends within CSMS_RESERVATION_MAX_HOURS.
    """
    now = timezone.now()
    if expiry <= now:
        return "The expiry date must be in the future."
    longest = datetime.timedelta(hours=settings.CSMS_RESERVATION_MAX_HOURS)
    if expiry > now + longest:
        return f"A reservation may last at most {settings.CSMS_RESERVATION_MAX_HOURS:g} hours."
    return None

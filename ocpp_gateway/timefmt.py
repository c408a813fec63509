import datetime

from django.utils import timezone


def ocpp_datetime(value: datetime.datetime | None = None) -> str:
    """UTC with a Z, as OCPP examples write it: 2026-11-21T08:15:00.000Z."""
    value = (value or timezone.now()).astimezone(datetime.UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")

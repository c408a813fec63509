"""Queries that read (DESIGN.md rule 2)."""

import bisect
import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from chargepoints.enums import Measurand
from chargepoints.models import ChargePoint, SampledValue, Transaction


@dataclass(frozen=True)
class EnergyTotals:
    """Energy delivered (kWh) since the start of the current day, week, month and year."""

    day: float
    week: float
    month: float
    year: float


def period_starts(now: datetime.datetime, tz: zoneinfo.ZoneInfo) -> dict[str, datetime.datetime]:
    """Local midnight of today, of Monday, of the 1st and of 1 January (seed 004)."""
    local = now.astimezone(tz)
    today = local.date()

    def midnight(day: datetime.date) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, tzinfo=tz)

    return {
        "day": midnight(today),
        "week": midnight(today - datetime.timedelta(days=today.weekday())),
        "month": midnight(today.replace(day=1)),
        "year": midnight(today.replace(month=1, day=1)),
    }


class _Register:
    """A transaction's energy register over time, linear between known readings.

    A session that crosses midnight counts in each day for the energy it
    delivered on that day, not all on the day it started.
    """

    def __init__(self, points: list[tuple[datetime.datetime, float]]):
        points.sort()
        self.times = [time for time, _ in points]
        self.values = [value for _, value in points]

    def at(self, moment: datetime.datetime) -> float:
        if moment <= self.times[0]:
            return self.values[0]
        if moment >= self.times[-1]:
            return self.values[-1]
        index = bisect.bisect_right(self.times, moment)
        t0, t1 = self.times[index - 1], self.times[index]
        v0, v1 = self.values[index - 1], self.values[index]
        return v0 + (v1 - v0) * ((moment - t0) / (t1 - t0))

    def between(self, start: datetime.datetime, end: datetime.datetime) -> float:
        return max(self.at(end) - self.at(start), 0.0)


def energy_totals(
    *,
    transactions: QuerySet[Transaction],
    tz: zoneinfo.ZoneInfo,
    now: datetime.datetime | None = None,
) -> EnergyTotals:
    now = now or timezone.now()
    starts = period_starts(now, tz)
    earliest = min(starts.values())
    overlapping = transactions.filter(start_transaction_timestamp__lt=now).filter(
        Q(stop_transaction_timestamp__isnull=True) | Q(stop_transaction_timestamp__gt=earliest)
    )
    points: dict[int, list[tuple[datetime.datetime, float]]] = defaultdict(list)
    for tx in overlapping.values(
        "pk",
        "start_transaction_timestamp",
        "wh_meter_start",
        "stop_transaction_timestamp",
        "wh_meter_stop",
    ):
        if tx["wh_meter_start"] is not None:
            points[tx["pk"]].append((tx["start_transaction_timestamp"], tx["wh_meter_start"]))
        if tx["wh_meter_stop"] is not None:
            points[tx["pk"]].append((tx["stop_transaction_timestamp"], tx["wh_meter_stop"]))
    readings = SampledValue.objects.filter(
        transaction__in=overlapping,
        measurand=Measurand.ENERGY_ACTIVE_IMPORT_REGISTER,
        phase="",
        # The outlet's register, as the transaction's meter uses (not the EV's).
        location__in=["", "Outlet", "Inlet"],
        numeric_value__isnull=False,
    ).values_list("transaction_id", "timestamp", "numeric_value")
    for transaction_id, moment, value in readings:
        points[transaction_id].append((moment, value))

    totals = dict.fromkeys(starts, 0.0)
    for series in points.values():
        register = _Register(series)
        for period, start in starts.items():
            totals[period] += register.between(start, now)
    return EnergyTotals(**{period: round(wh / 1000, 3) for period, wh in totals.items()})


def chargepoint_energy_totals(
    *, chargepoint: ChargePoint, now: datetime.datetime | None = None
) -> EnergyTotals:
    """Periods follow the location's time zone; unplaced chargers use the server's."""
    tz = (
        chargepoint.location.time_zone
        if chargepoint.location_id
        else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )
    return energy_totals(
        transactions=Transaction.objects.filter(chargepoint=chargepoint), tz=tz, now=now
    )


def user_energy_totals(*, user, now: datetime.datetime | None = None) -> EnergyTotals:
    """A driver's energy over all their transactions; periods in their profile's time zone."""
    profile = getattr(user, "profile", None)
    tz = profile.timezone if profile is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return energy_totals(transactions=Transaction.objects.filter(user=user), tz=tz, now=now)

"""Series the admin's charts draw: energy per day and month, sessions per hour, availability.

Each is aggregated in the database; Python only walks what the aggregation
returns (a few rows per transaction, charger-hour or bucket), never every
sampled value of the network.
"""

import bisect
import datetime
import zoneinfo
from collections import defaultdict

from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDay, TruncHour, TruncMinute, TruncMonth
from django.utils import timezone

from chargepoints.enums import ChargePointStatus, Measurand
from chargepoints.models import (
    ChargePoint,
    Heartbeat,
    SampledValue,
    StatusNotification,
    Transaction,
)
from chargepoints.selectors import _Register


def bucket_starts(
    *, now: datetime.datetime, tz: zoneinfo.ZoneInfo, unit: str, count: int
) -> list[datetime.datetime]:
    """Local midnights of the last ``count`` days, or the 1st of the last ``count`` months."""
    today = now.astimezone(tz).date()
    if unit == "day":
        days = [today - datetime.timedelta(days=back) for back in range(count - 1, -1, -1)]
    else:
        days = []
        year, month = today.year, today.month
        for _ in range(count):
            days.append(datetime.date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        days.reverse()
    return [datetime.datetime(d.year, d.month, d.day, tzinfo=tz) for d in days]


def energy_series(
    *,
    transactions: QuerySet[Transaction],
    tz: zoneinfo.ZoneInfo,
    unit: str,
    count: int,
    now: datetime.datetime | None = None,
) -> list[tuple[datetime.datetime, float]]:
    """Energy delivered (kWh) per local day or month, oldest first, the current one last.

    The same computation as chargepoints.selectors.energy_totals (seed 004's
    day/week/month/year totals): each transaction's register, linear between
    readings, so a session crossing midnight counts in each day for what it
    delivered on that day. Only each transaction's first and last reading in
    every bucket is read (grouped in the database): the register between two
    buckets is interpolated from exactly those two, and an energy import
    register only rises within a bucket, so the least and greatest readings
    of a bucket are its first and last.
    """
    now = now or timezone.now()
    starts = bucket_starts(now=now, tz=tz, unit=unit, count=count)
    ends = [*starts[1:], now]
    overlapping = transactions.filter(start_transaction_timestamp__lt=now).filter(
        Q(stop_transaction_timestamp__isnull=True) | Q(stop_transaction_timestamp__gt=starts[0])
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
    trunc = TruncDay if unit == "day" else TruncMonth
    buckets = (
        SampledValue.objects.filter(
            transaction__in=overlapping,
            measurand=Measurand.ENERGY_ACTIVE_IMPORT_REGISTER,
            phase="",
            location__in=["", "Outlet", "Inlet"],
            numeric_value__isnull=False,
        )
        .annotate(bucket=trunc("timestamp", tzinfo=tz))
        .order_by()
        .values("transaction_id", "bucket")
        .annotate(
            first=Min("timestamp"),
            last=Max("timestamp"),
            low=Min("numeric_value"),
            high=Max("numeric_value"),
        )
    )
    for row in buckets:
        points[row["transaction_id"]].append((row["first"], row["low"]))
        points[row["transaction_id"]].append((row["last"], row["high"]))

    totals = [0.0] * len(starts)
    for series in points.values():
        register = _Register(series)
        # Only the buckets the transaction's readings reach can hold energy.
        first = max(bisect.bisect_right(starts, register.times[0]) - 1, 0)
        last = bisect.bisect_right(starts, register.times[-1])
        for index in range(first, min(last + 1, len(starts))):
            totals[index] += register.between(starts[index], ends[index])
    return [(start, round(wh / 1000, 3)) for start, wh in zip(starts, totals, strict=True)]


def sessions_by_hour(
    *,
    transactions: QuerySet[Transaction],
    tz: zoneinfo.ZoneInfo,
    days: int = 30,
    now: datetime.datetime | None = None,
) -> list[int]:
    """Transactions started in each local hour of the day (0-23) over the last ``days`` days."""
    now = now or timezone.now()
    counts = (
        transactions.filter(
            start_transaction_timestamp__gte=now - datetime.timedelta(days=days),
            start_transaction_timestamp__lte=now,
        )
        .annotate(hour=ExtractHour("start_transaction_timestamp", tzinfo=tz))
        .order_by()
        .values("hour")
        .annotate(n=Count("pk"))
    )
    hours = [0] * 24
    for row in counts:
        hours[row["hour"]] = row["n"]
    return hours


# A status that takes a charger out of service (the charger's own, connector 0).
OUT_OF_SERVICE = [ChargePointStatus.FAULTED, ChargePointStatus.UNAVAILABLE]


def availability_by_day(
    *,
    chargepoints: QuerySet[ChargePoint],
    tz: zoneinfo.ZoneInfo,
    days: int = 7,
    now: datetime.datetime | None = None,
) -> list[tuple[datetime.datetime, float | None]]:
    """Share (%) of charger-hours in which chargers were in service, per local day.

    The rule: a charger is in service in an hour when it was heard from in
    that hour (a Heartbeat, which connected chargers send every
    CSMS_HEARTBEAT_INTERVAL, 5 minutes by default, or a StatusNotification)
    and reported no station status Faulted or Unavailable in it. Connection
    history is not kept (ChargePoint.connected is only the present, and the
    ChargerEvent connection kinds record refusals, not sessions), so being
    heard from is the evidence of being online. Hours of a day count from the
    charger's creation, up to now for today. None for a day with no charger.
    """
    now = now or timezone.now()
    starts = bucket_starts(now=now, tz=tz, unit="day", count=days)
    since = starts[0]
    window = {"timestamp__gte": since, "timestamp__lte": now, "chargepoint__in": chargepoints}
    heard = set(
        Heartbeat.objects.filter(**window)
        .annotate(hour=TruncHour("timestamp", tzinfo=tz))
        .order_by()
        .values_list("chargepoint_id", "hour")
        .distinct()
    )
    statuses = (
        StatusNotification.objects.filter(**window, connector__isnull=True)
        .annotate(hour=TruncHour("timestamp", tzinfo=tz))
        .order_by()
        .values("chargepoint_id", "hour")
        .annotate(out=Count("pk", filter=Q(status_reported__in=OUT_OF_SERVICE)))
    )
    out = set()
    for row in statuses:
        heard.add((row["chargepoint_id"], row["hour"]))
        if row["out"]:
            out.add((row["chargepoint_id"], row["hour"]))
    in_service = defaultdict(int)
    for _, hour in heard - out:
        in_service[hour.astimezone(tz).date()] += 1

    created = list(chargepoints.values_list("created_at", flat=True))
    series = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else now
        possible = sum(
            max(_hours_between(max(start, made), end), 0) for made in created if made < end
        )
        share = round(100 * in_service[start.date()] / possible, 1) if possible else None
        series.append((start, min(share, 100.0) if share is not None else None))
    return series


def _hours_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Started hours between two moments (an hour begun counts: it could have been heard in)."""
    seconds = (end - start).total_seconds()
    return int(-(-seconds // 3600)) if seconds > 0 else 0


# Enough points for a smooth curve on a page, few enough to send every refresh.
POWER_CURVE_POINTS = 300


def power_curve(*, transaction: Transaction) -> list[tuple[datetime.datetime, float]]:
    """The transaction's active import power (W) over time, at most POWER_CURVE_POINTS points.

    A charger reports the total (no phase) or each phase; phases are added.
    A long session is averaged per minute, or per hour, to stay within bounds.
    """
    readings = SampledValue.objects.filter(
        transaction=transaction,
        measurand=Measurand.POWER_ACTIVE_IMPORT,
        numeric_value__isnull=False,
        location__in=["", "Outlet", "Inlet"],
    ).order_by()
    total = readings.filter(phase="")
    if not total.exists():
        total = readings.filter(phase__in=["L1", "L2", "L3", "L1-N", "L2-N", "L3-N"])
    span = total.aggregate(first=Min("timestamp"), last=Max("timestamp"), n=Count("pk"))
    if not span["n"]:
        return []
    minutes = (span["last"] - span["first"]).total_seconds() / 60
    if span["n"] <= POWER_CURVE_POINTS * 3:  # Up to three phases per moment.
        moment = F("timestamp")
    elif minutes <= POWER_CURVE_POINTS:
        moment = TruncMinute("timestamp")
    else:
        moment = TruncHour("timestamp")
    rows = total.annotate(moment=moment).values("moment", "phase").annotate(w=Avg("numeric_value"))
    summed: dict[datetime.datetime, float] = defaultdict(float)
    for row in rows:
        summed[row["moment"]] += row["w"]
    return sorted(summed.items())[-POWER_CURVE_POINTS:]

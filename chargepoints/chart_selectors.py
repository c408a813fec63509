"""Series the admin's charts draw: energy per day and month, sessions per hour, availability.

Each is aggregated in the database; Python only walks what the aggregation
returns (a few rows per transaction, charger-hour or bucket), never every
sampled value of the network.
"""

import bisect
import datetime
import hashlib
import time
import zoneinfo
from collections import defaultdict

from django.core.cache import cache
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
from chargepoints.selectors import (
    EnergyRegister,
    energy_register_ends,
    energy_register_readings,
)


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


# The totals of past (closed) days and months are kept in Django's cache (the
# CACHES setting; unset, as by default, each server process keeps its own in
# memory, LocMemCache): an open dashboard re-reads its charts while a year of
# readings stays put. A reading that arrives late for a closed day or month
# (a charger that was offline sends its stored meter values) shows once the
# kept totals expire: within these times.
CLOSED_BUCKETS_KEPT = {"day": 10 * 60, "month": 60 * 60}


def energy_series(
    *,
    transactions: QuerySet[Transaction],
    tz: zoneinfo.ZoneInfo,
    unit: str,
    count: int,
    now: datetime.datetime | None = None,
    cache_scope: str | None = None,
) -> list[tuple[datetime.datetime, float]]:
    """Energy delivered (kWh) per local day or month, oldest first, the current one last.

    The same computation as chargepoints.selectors.energy_totals (seed 004's
    day/week/month/year totals): each transaction's register, linear between
    readings, so a session crossing midnight counts in each day for what it
    delivered on that day.

    ``cache_scope`` names what ``transactions`` are (e.g. "network",
    "location:7"): the totals of closed buckets are then kept under it (with
    the unit and time zone) for CLOSED_BUCKETS_KEPT seconds, and only the
    buckets not kept, from the oldest of them on, and the current one are
    computed. Without it, everything is.
    """
    now = now or timezone.now()
    starts = bucket_starts(now=now, tz=tz, unit=unit, count=count)
    key = kept = None
    if cache_scope is not None:
        key = _kept_key(cache_scope, unit, tz)
        kept = cache.get(key) or {"until": time.time() + CLOSED_BUCKETS_KEPT[unit], "wh": {}}
    known = kept["wh"] if kept else {}
    # From the oldest closed bucket not kept on; the current one always.
    first = next(
        (i for i, start in enumerate(starts[:-1]) if start.isoformat() not in known),
        len(starts) - 1,
    )
    computed = _energy_wh(
        transactions=transactions, tz=tz, unit=unit, starts=starts[first:], now=now
    )
    totals = [known[start.isoformat()] for start in starts[:first]] + computed
    if key is not None:
        closed = {s.isoformat(): wh for s, wh in zip(starts[:-1], totals[:-1], strict=True)}
        left = kept["until"] - time.time()
        if first < len(starts) - 1 and left > 0:
            # Buckets closed meanwhile join those kept, until those expire.
            cache.set(key, {"until": kept["until"], "wh": closed}, timeout=left)
    return [(start, round(wh / 1000, 3)) for start, wh in zip(starts, totals, strict=True)]


def _kept_key(scope: str, unit: str, tz: zoneinfo.ZoneInfo) -> str:
    # Hashed: a charger's id may hold spaces, which a cache key must not.
    # One entry per scope and unit (not per bucket): the default cache holds
    # 300 entries, the API's throttle counts among them.
    digest = hashlib.sha256(f"{scope}|{unit}|{tz}".encode()).hexdigest()[:32]
    return f"csms:energy:{digest}"


def _energy_wh(
    *,
    transactions: QuerySet[Transaction],
    tz: zoneinfo.ZoneInfo,
    unit: str,
    starts: list[datetime.datetime],
    now: datetime.datetime,
) -> list[float]:
    """Wh delivered in each bucket, from each start to the next, the last one up to now.

    Only each transaction's first and last reading in every bucket is read
    (grouped in the database): the register between two buckets is
    interpolated from exactly those two, and an energy import register only
    rises within a bucket, so the least and greatest readings of a bucket are
    its first and last. A transaction that reaches back before the first
    start has its earlier buckets read too, so its register there is exact.
    """
    ends = [*starts[1:], now]
    overlapping, points = energy_register_ends(transactions=transactions, since=starts[0], now=now)
    trunc = TruncDay if unit == "day" else TruncMonth
    buckets = (
        energy_register_readings(transactions=overlapping)
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
        register = EnergyRegister(series)
        # Only the buckets the transaction's readings reach can hold energy.
        first = max(bisect.bisect_right(starts, register.times[0]) - 1, 0)
        last = bisect.bisect_right(starts, register.times[-1])
        for index in range(first, min(last + 1, len(starts))):
            totals[index] += register.between(starts[index], ends[index])
    return totals


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

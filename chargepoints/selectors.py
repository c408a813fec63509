"""Queries that read (docs/architecture.md rule 2)."""

import bisect
import datetime
import math
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from chargepoints.enums import Measurand
from chargepoints.models import ChargePoint, Connector, Location, SampledValue, Transaction
from chargepoints.status_selectors import connectors_with_activity


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


class EnergyRegister:
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


def energy_register_ends(
    *, transactions: QuerySet[Transaction], since: datetime.datetime, now: datetime.datetime
) -> tuple[QuerySet[Transaction], dict[int, list[tuple[datetime.datetime, float]]]]:
    """The transactions that ran at some time between ``since`` and ``now``, and
    each one's register at its start and stop (where known): the first points of
    its EnergyRegister."""
    overlapping = transactions.filter(start_transaction_timestamp__lt=now).filter(
        Q(stop_transaction_timestamp__isnull=True) | Q(stop_transaction_timestamp__gt=since)
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
    return overlapping, points


def energy_register_readings(*, transactions: QuerySet[Transaction]) -> QuerySet[SampledValue]:
    """The energy register readings of these transactions (the outlet's, as the
    transaction's meter uses, not the EV's)."""
    return SampledValue.objects.filter(
        transaction__in=transactions,
        measurand=Measurand.ENERGY_ACTIVE_IMPORT_REGISTER,
        phase="",
        location__in=["", "Outlet", "Inlet"],
        numeric_value__isnull=False,
    )


def energy_totals(
    *,
    transactions: QuerySet[Transaction],
    tz: zoneinfo.ZoneInfo,
    now: datetime.datetime | None = None,
) -> EnergyTotals:
    now = now or timezone.now()
    starts = period_starts(now, tz)
    overlapping, points = energy_register_ends(
        transactions=transactions, since=min(starts.values()), now=now
    )
    readings = energy_register_readings(transactions=overlapping).values_list(
        "transaction_id", "timestamp", "numeric_value"
    )
    for transaction_id, moment, value in readings:
        points[transaction_id].append((moment, value))

    totals = dict.fromkeys(starts, 0.0)
    for series in points.values():
        register = EnergyRegister(series)
        for period, start in starts.items():
            totals[period] += register.between(start, now)
    return EnergyTotals(**{period: round(wh / 1000, 3) for period, wh in totals.items()})


def chargepoint_energy_totals(
    *, chargepoint: ChargePoint, now: datetime.datetime | None = None
) -> EnergyTotals:
    """Periods follow the location's time zone; unplaced chargers use the server's."""
    return energy_totals(
        transactions=Transaction.objects.filter(chargepoint=chargepoint),
        tz=chargepoint_time_zone(chargepoint=chargepoint),
        now=now,
    )


def user_energy_totals(*, user, now: datetime.datetime | None = None) -> EnergyTotals:
    """A driver's energy over all their transactions; periods in their profile's time zone."""
    profile = getattr(user, "profile", None)
    tz = profile.timezone if profile is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return energy_totals(transactions=Transaction.objects.filter(user=user), tz=tz, now=now)


# Mean Earth radius (IUGG), the usual figure for great-circle distances.
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def _connectors_with_status() -> QuerySet[Connector]:
    # What their public status reads beyond their row, in the same query.
    return connectors_with_activity(Connector.objects.all())


def location_list(*, published_only: bool) -> QuerySet[Location]:
    """Locations with their chargers and connectors fetched in a fixed number of queries.

    OCPI 2.2.1 Location.publish: unpublished sites are for operators only.
    """
    locations = Location.objects.prefetch_related(
        "chargepoints", Prefetch("chargepoints__connectors", queryset=_connectors_with_status())
    )
    return locations.filter(publish=True) if published_only else locations


def chargepoint_list(*, published_only: bool) -> QuerySet[ChargePoint]:
    """Charge points with their connectors; the public sees those at published locations only."""
    chargepoints = ChargePoint.objects.select_related("location").prefetch_related(
        Prefetch("connectors", queryset=_connectors_with_status())
    )
    return chargepoints.filter(location__publish=True) if published_only else chargepoints


def locations_with_connector_standard(
    *, locations: QuerySet[Location], standard: str
) -> QuerySet[Location]:
    return locations.filter(
        Exists(Connector.objects.filter(chargepoint__location=OuterRef("pk"), standard=standard))
    )


def _coordinate(key: str) -> Cast:
    # OCPI 2.2.1 GeoLocation keeps coordinates as decimal strings.
    return Cast(KeyTextTransform(key, "coordinates"), FloatField())


def locations_nearby(
    *, locations: QuerySet[Location], latitude: float, longitude: float, radius_km: float
) -> QuerySet[Location]:
    """Locations within ``radius_km`` of a point, annotated ``distance_km``, nearest first.

    Computed in the database (SQLite and PostgreSQL alike): a bounding box
    first, which is cheap and cuts the candidates to the neighbourhood, then
    the great-circle (haversine) distance for the ones left.
    """
    lat_span = radius_km / KM_PER_DEGREE
    located = locations.annotate(lat_deg=_coordinate("latitude"), lon_deg=_coordinate("longitude"))
    box = Q(lat_deg__gte=latitude - lat_span, lat_deg__lte=latitude + lat_span)
    box &= _longitude_band(
        latitude=latitude, longitude=longitude, lat_span=lat_span, radius_km=radius_km
    )

    lat1, lon1 = math.radians(latitude), math.radians(longitude)
    lat2, lon2 = Radians(F("lat_deg")), Radians(F("lon_deg"))
    half_chord = Power(Sin((lat2 - lat1) / 2), 2) + math.cos(lat1) * Cos(lat2) * Power(
        Sin((lon2 - lon1) / 2), 2
    )
    # Rounding can push the term a hair above 1, outside ASIN's domain.
    distance = 2 * EARTH_RADIUS_KM * ASin(Sqrt(Least(half_chord, Value(1.0))))
    return (
        located.filter(box)
        .annotate(distance_km=ExpressionWrapper(distance, output_field=FloatField()))
        .filter(distance_km__lte=radius_km)
        .order_by("distance_km", "name")
    )


def _longitude_band(*, latitude: float, longitude: float, lat_span: float, radius_km: float) -> Q:
    """The longitudes a circle around the point can reach, across the antimeridian if need be."""
    if abs(latitude) + lat_span >= 90:
        return Q()  # The circle holds a pole: every longitude is in reach.
    lon_span = radius_km / (KM_PER_DEGREE * math.cos(math.radians(abs(latitude) + lat_span)))
    if lon_span >= 180:
        return Q()
    west, east = longitude - lon_span, longitude + lon_span
    if west < -180:
        return Q(lon_deg__gte=west + 360) | Q(lon_deg__lte=east)
    if east > 180:
        return Q(lon_deg__gte=west) | Q(lon_deg__lte=east - 360)
    return Q(lon_deg__gte=west, lon_deg__lte=east)


def chargepoint_time_zone(*, chargepoint: ChargePoint) -> zoneinfo.ZoneInfo:
    """The zone a charger's days start in: its location's, else the server's."""
    if chargepoint.location_id:
        return chargepoint.location.time_zone
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)

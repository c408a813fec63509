"""A session cut into segments within which nothing a tariff looks at changes."""

import bisect
import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from billing.pricing.tariffs import Element
from billing.pricing.types import Sample, Supply, Usage

ZERO = Decimal(0)
_MIDNIGHT = datetime.time(0, 0)


@dataclass(frozen=True)
class Moment:
    """What the restrictions of a tariff element are evaluated against."""

    local: datetime.datetime
    elapsed_s: float
    used_kwh: Decimal
    charging: bool
    current_a: float | None
    power_kw: float | None


# Where a segment's current and power come from (the notes on a CDR say it).
MEASURED = "measured"
FROM_ENERGY = "energy"  # power: the energy between the two readings around it
FROM_VOLTAGE = "voltage"  # current from power, or power from current, and a measured voltage
FROM_NOMINAL = "nominal"  # the same with the supply's nominal voltage
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Segment:
    start: datetime.datetime
    end: datetime.datetime
    moment: Moment
    energy_wh: Decimal
    current_a: float | None
    power_kw: float | None
    current_source: str = UNKNOWN
    power_source: str = UNKNOWN

    @property
    def seconds(self) -> Decimal:
        delta = self.end - self.start
        return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 10**6


class Meter:
    """The energy register over time: linear between samples, flat outside them."""

    def __init__(self, samples: Iterable[Sample]):
        ordered = sorted(samples, key=lambda s: s.at)
        self.times = [s.at for s in ordered]
        self.energy = [Decimal(str(s.energy_wh)) for s in ordered]
        self.samples = ordered
        # The newest power and current known at each sample, looked up by bisect.
        self._carried: dict[str, list[float | None]] = {}
        for attribute in ("power_w", "current_a", "voltage_v"):
            carried, value = [], None
            for sample in ordered:
                if getattr(sample, attribute) is not None:
                    value = getattr(sample, attribute)
                carried.append(value)
            self._carried[attribute] = carried

    def at(self, when: datetime.datetime) -> Decimal:
        if not self.times:
            return ZERO
        i = bisect.bisect_right(self.times, when)
        if i == 0:
            return self.energy[0]
        if i == len(self.times):
            return self.energy[-1]
        t0, t1 = self.times[i - 1], self.times[i]
        e0, e1 = self.energy[i - 1], self.energy[i]
        span = _micros(t1 - t0)
        return e0 + (e1 - e0) * _micros(when - t0) / span if span else e1

    def crossing(self, wh: Decimal) -> datetime.datetime | None:
        """The first moment the register reaches ``wh``."""
        for i in range(1, len(self.times)):
            e0, e1 = self.energy[i - 1], self.energy[i]
            if e0 < wh <= e1:
                t0, t1 = self.times[i - 1], self.times[i]
                fraction = (wh - e0) / (e1 - e0)
                return t0 + datetime.timedelta(microseconds=int(fraction * _micros(t1 - t0)))
        return None

    def last_value(self, when: datetime.datetime, attribute: str) -> float | None:
        """The newest ``power_w``, ``current_a`` or ``voltage_v`` reported at or before ``when``."""
        i = bisect.bisect_right(self.times, when)
        return self._carried[attribute][i - 1] if i else None

    def has(self, attribute: str) -> bool:
        carried = self._carried[attribute]
        return bool(carried) and carried[-1] is not None

    def average_power_kw(self, when: datetime.datetime) -> float | None:
        """Power derived from the energy between the two samples around ``when``."""
        i = bisect.bisect_right(self.times, when)
        if i == 0 or i == len(self.times):
            return None
        hours = _micros(self.times[i] - self.times[i - 1]) / Decimal(3_600_000_000)
        if not hours:
            return None
        return float((self.energy[i] - self.energy[i - 1]) / 1000 / hours)


def _micros(delta: datetime.timedelta) -> Decimal:
    return Decimal((delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds)


def _local_instants(
    start: datetime.datetime,
    end: datetime.datetime,
    zone: datetime.tzinfo,
    times: set[datetime.time],
) -> Iterable[datetime.datetime]:
    """Every moment in (start, end) when the local clock shows one of ``times``.

    Built from local dates, so a day of 23 or 25 hours (a daylight-saving
    change) still has its boundaries at the right instants.
    """
    day = start.astimezone(zone).date() - datetime.timedelta(days=1)
    last = end.astimezone(zone).date() + datetime.timedelta(days=1)
    while day <= last:
        for clock in times:
            for fold in (0, 1):
                local = datetime.datetime.combine(day, clock, tzinfo=zone).replace(fold=fold)
                instant = local.astimezone(datetime.UTC)
                if start < instant < end:
                    yield instant
        day += datetime.timedelta(days=1)


def _offset_changes(
    start: datetime.datetime, end: datetime.datetime, zone: datetime.tzinfo
) -> Iterable[datetime.datetime]:
    """The instants in (start, end) when the zone's clock jumps (daylight saving).

    A clock time that a jump skips or repeats (02:30 on the spring change) is
    reached by the jump itself, so the jump must be a boundary too.
    """
    step = datetime.timedelta(hours=1)
    left = start
    while left < end:
        right = min(left + step, end)
        if left.astimezone(zone).utcoffset() != right.astimezone(zone).utcoffset():
            low, high = left, right
            while high - low > datetime.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            moment = high.replace(microsecond=0)
            if start < moment < end:
                yield moment
        left = right


def cut_points(
    start: datetime.datetime,
    end: datetime.datetime,
    zone: datetime.tzinfo,
    elements: Iterable[Element],
    meter: Meter,
    states: Iterable[datetime.datetime],
    *,
    origin: datetime.datetime | None = None,
    base: Decimal | None = None,
) -> list[datetime.datetime]:
    """The moments in [start, end] at which the applicable price may change.

    Durations count from ``origin`` and energy from the register ``base``
    there: the session's start, unless [start, end] is a later part of it.
    """
    points = {start, end}
    points.update(t for t in meter.times if start < t < end)
    points.update(t for t in states if start < t < end)
    clocks = {_MIDNIGHT}
    origin = start if origin is None else origin
    base = meter.at(start) if base is None else base
    for element in elements:
        r = element.restrictions
        clocks.update(t for t in (r.start_time, r.end_time) if t is not None)
        for seconds in (r.min_duration, r.max_duration):
            if seconds is not None:
                moment = origin + datetime.timedelta(seconds=seconds)
                if start < moment < end:
                    points.add(moment)
        for kwh in (r.min_kwh, r.max_kwh):
            if kwh is not None:
                moment = meter.crossing(base + kwh * 1000)
                if moment is not None and start < moment < end:
                    points.add(moment)
    points.update(_local_instants(start, end, zone, clocks))
    points.update(_offset_changes(start, end, zone))
    return sorted(points)


def segments(
    usage: Usage,
    start: datetime.datetime,
    end: datetime.datetime,
    elements: Iterable[Element],
    meter: Meter,
    *,
    origin: datetime.datetime | None = None,
    base: Decimal | None = None,
    derive_power: bool | None = None,
) -> list[Segment]:
    """The segments of [start, end], each described at its middle.

    Every boundary is a cut point, so the middle of a segment stands for all of
    it; a session of no duration is one segment of no length. For a later part
    of a session (the running cost, priced a part at a time), ``origin`` and
    ``base`` are the session's start and its register there, and
    ``derive_power`` says whether the whole session reports no power.
    """
    states = sorted(usage.states, key=lambda s: s.at)
    state_times = [s.at for s in states]
    origin = start if origin is None else origin
    base = meter.at(start) if base is None else base
    points = cut_points(
        start, end, usage.time_zone, elements, meter, state_times, origin=origin, base=base
    )
    if len(points) == 1:
        points = [start, start]
    if derive_power is None:
        derive_power = not meter.has("power_w")
    result = []
    for left, right in itertools.pairwise(points):
        middle = left + (right - left) / 2
        i = bisect.bisect_right(state_times, middle)
        charging = states[i - 1].charging if i else True
        power, power_source = meter.last_value(middle, "power_w"), MEASURED
        if derive_power or power is None:
            # Before its first reading of power, a charger that reports some
            # still charged at the rate its register shows.
            power, power_source = meter.average_power_kw(middle), FROM_ENERGY
        else:
            power = power / 1000
        current, current_source, power, power_source = _electrics(
            meter.last_value(middle, "current_a"),
            power,
            power_source,
            meter.last_value(middle, "voltage_v"),
            usage.supply,
        )
        result.append(
            Segment(
                start=left,
                end=right,
                moment=Moment(
                    local=middle.astimezone(usage.time_zone),
                    elapsed_s=(middle - origin).total_seconds(),
                    used_kwh=(meter.at(middle) - base) / 1000,
                    charging=charging,
                    current_a=current,
                    power_kw=power,
                ),
                energy_wh=meter.at(right) - meter.at(left),
                current_a=current,
                power_kw=power,
                current_source=current_source,
                power_source=power_source,
            )
        )
    return result


def _electrics(
    current: float | None,
    power_kw: float | None,
    power_source: str,
    voltage: float | None,
    supply: Supply,
) -> tuple[float | None, str, float | None, str]:
    """Current and power, each measured or derived from the other, with their sources.

    Power comes first from the charger, then from its register (segments); a
    current from the charger. What is still missing is derived from the other
    with a measured voltage, else the supply's nominal one.

    OCPI 2.2.1 tariffs §11.4.6 min_current/max_current: "Sum of the ... current
    over all phases". With P = U x I on each phase, the sum over phases is
    P / U whatever the number of phases, U being a phase's voltage to neutral.
    """
    if power_kw is None:
        power_source = UNKNOWN
    current_source = UNKNOWN if current is None else MEASURED
    volts, volts_source = (voltage, FROM_VOLTAGE) if voltage else (None, UNKNOWN)
    if volts is None and supply.nominal_voltage:
        volts, volts_source = supply.nominal_voltage, FROM_NOMINAL
    if volts is None:
        return current, current_source, power_kw, power_source
    if current is None and power_kw is not None:
        current, current_source = power_kw * 1000 / volts, volts_source
    elif power_kw is None and current is not None:
        power_kw, power_source = current * volts / 1000, volts_source
    return current, current_source, power_kw, power_source

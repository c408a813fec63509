"""Charging periods: neighbouring segments priced alike, and the money they cost.

The cost engine (engine.py) cuts a session into segments and finds the element
pricing each; here those segments become the CDR's charging periods (OCPI
2.2.1 CDRs §10.4.6), with step sizes applied and volumes rounded.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from billing.pricing.tariffs import Price, PriceComponent
from billing.pricing.timeline import ZERO, Moment, Segment
from billing.pricing.types import ChargingPeriod

# OCPI 2.2.1 types §16.6 number: "Unless mentioned otherwise, numbers use 4 decimals".
CENTS = Decimal("0.0001")  # amounts: four decimals are plenty for any currency
VOLUME = Decimal("0.0001")  # volumes: 0.1 Wh, 0.36 s
HOUR = Decimal(3600)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def volume(value: Decimal) -> Decimal:
    return value.quantize(VOLUME, rounding=ROUND_HALF_UP)


def ceil_to(amount: Decimal, step: int) -> Decimal:
    # Measured amounts carry float noise from meters: 1000.0000001 Wh is 1000 Wh.
    amount = amount.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    if amount <= 0:
        return ZERO
    step = max(step, 1)  # the spec's own free-of-charge example writes step_size 0
    return Decimal(math.ceil(amount / step) * step)


def price_of(component: PriceComponent, units: Decimal) -> Price:
    excl = component.price * units
    # OCPI 2.2.1 tariffs §11.4.2: no vat means no VAT applies, so incl = excl.
    incl = excl if component.vat is None else excl * (1 + component.vat / 100)
    return Price(excl_vat=money(excl), incl_vat=money(incl))


def price_add(a: Price, b: Price) -> Price:
    return Price(a.excl_vat + b.excl_vat, (a.incl_vat or ZERO) + (b.incl_vat or ZERO))


FREE = Price(ZERO, ZERO)


# --- one part of the timeline: the session or its reservation -----------------


@dataclass
class Period:
    start: object
    end: object
    key: tuple
    dimensions: dict[str, Decimal] = field(default_factory=dict)
    # dimension -> (element index, component, amount in step units: Wh or seconds)
    priced: dict[str, tuple[int, PriceComponent, Decimal]] = field(default_factory=dict)
    flat: tuple[int, PriceComponent] | None = None


def periods_add(
    parts: list[Segment],
    lookup: Callable[[str, Moment], tuple[int, PriceComponent] | None],
    *,
    reservation: bool,
    periods: list[Period] | None = None,
) -> list[Period]:
    """The charging periods of ``parts``, continuing ``periods`` (a session priced so far)."""
    periods = [] if periods is None else periods
    for segment in parts:
        moment = segment.moment
        if reservation:
            time_dimension, dims = "RESERVATION_TIME", ("TIME",)
        else:
            time_dimension = "TIME" if moment.charging else "PARKING_TIME"
            dims = ("ENERGY", time_dimension)
        found = {dim: lookup(dim, moment) for dim in dims}
        key = (time_dimension, tuple((d, f[0] if f else None) for d, f in found.items()))
        if not periods or periods[-1].key != key:
            periods.append(Period(start=segment.start, end=segment.end, key=key))
        period = periods[-1]
        period.end = segment.end
        seconds = segment.seconds
        dims_volume = period.dimensions
        dims_volume[time_dimension] = dims_volume.get(time_dimension, ZERO) + seconds
        if not reservation:
            dims_volume["ENERGY"] = dims_volume.get("ENERGY", ZERO) + segment.energy_wh
            for name, value, pick in (
                ("MIN_CURRENT", segment.current_a, min),
                ("MAX_CURRENT", segment.current_a, max),
                ("MIN_POWER", segment.power_kw, min),
                ("MAX_POWER", segment.power_kw, max),
            ):
                if value is not None and moment.charging:
                    value = Decimal(str(value))
                    dims_volume[name] = pick(dims_volume.get(name, value), value)
        for dim, hit in found.items():
            if hit is None:
                continue
            amount = seconds if dim != "ENERGY" else segment.energy_wh
            previous = period.priced.get(dim)
            period.priced[dim] = (hit[0], hit[1], (previous[2] if previous else ZERO) + amount)
        if period.flat is None and not any(p.flat for p in periods):
            period.flat = lookup("FLAT", moment)
    return periods


def round_steps(periods: list[Period], dimensions: Iterable[str]) -> None:
    """OCPI 2.2.1 CDRs §10.3 step_size: once per session, on the total of the dimension
    of the last priced period, with that period's step; the extra is billed there."""
    last = None
    for period in periods:
        for dim in dimensions:
            # A period that priced nothing (no energy while parking) is not
            # the "last relevant" component.
            if dim in period.priced and period.priced[dim][2] > 0:
                last = (period, dim)
    if last is None:
        return
    period, dim = last
    index, component, amount = period.priced[dim]
    total = sum((p.priced[dim][2] for p in periods if dim in p.priced), ZERO)
    extra = ceil_to(total, component.step_size) - total
    period.priced[dim] = (index, component, amount + extra)


def round_time_steps(periods: list[Period]) -> None:
    """The step size of TIME and PARKING_TIME, once for both (CDRs §10.3 step_size).

    The spec says two things that disagree for a session that both charges
    and parks under a time-priced tariff: the step size applies to "the last
    relevant" period (so to charging time when charging comes last), and "In
    the cases that TIME and PARKING_TIME Tariff Elements are both used,
    step_size is only taken into account for the total parking duration". We
    read the second as the rule for that case, whatever the order: it is
    written for exactly this case, while "last" only says which component's
    step_size to use among those of one dimension; the spec's own example
    (charging, then parking) rounds parking; and the independent OCPI engines
    partners check CDRs with do the same, so our CDRs agree with them. The
    extra time is billed in the last period that priced parking. A session
    that priced only one of the two rounds that one.
    """
    parked = any(p.priced.get("PARKING_TIME", (0, None, ZERO))[2] > 0 for p in periods)
    round_steps(periods, ("PARKING_TIME",) if parked else ("TIME",))


def period_cost(period: Period, dim: str) -> Price:
    if dim not in period.priced:
        return FREE
    _, component, amount = period.priced[dim]
    units = amount / 1000 if dim == "ENERGY" else amount / HOUR
    return price_of(component, units)


def period_finish(period: Period, *, reservation: bool) -> ChargingPeriod:
    costs: dict[str, Price] = {}
    elements: dict[str, int] = {}
    for dim, (index, _, _) in period.priced.items():
        costs[dim] = period_cost(period, dim)
        elements[dim] = index
    if period.flat is not None:
        costs["FLAT"] = price_of(period.flat[1], Decimal(1))
        elements["FLAT"] = period.flat[0]
    dimensions = {}
    for name, value in period.dimensions.items():
        if name == "ENERGY":
            value = value / 1000
        elif name in ("TIME", "PARKING_TIME", "RESERVATION_TIME"):
            value = value / HOUR
        dimensions[name] = value
    return ChargingPeriod(
        start=period.start,
        end=period.end,
        dimensions=dimensions,
        costs=costs,
        elements=elements,
        reservation=reservation,
    )


SUMMED = ("ENERGY", "TIME", "PARKING_TIME", "RESERVATION_TIME")


class RunningRounder:
    """Volumes to four decimals (OCPI numbers), one period after another, rounding
    running totals rather than each period: a period's volume is its running
    total rounded less the periods before it. Each period is then within 0.0001
    of its exact volume, and the periods add up exactly to the rounded session
    total, which the CDR's totals are the sums of (engine.costs_total)."""

    def __init__(self):
        self.running = {name: ZERO for name in SUMMED}
        self.done = {name: ZERO for name in SUMMED}

    def rounded(self, name: str, value: Decimal) -> Decimal:
        if name not in self.running:
            return volume(value)
        self.running[name] += value
        result = volume(self.running[name]) - self.done[name]
        self.done[name] += result
        return result


def periods_rounded(periods: list[ChargingPeriod]) -> list[ChargingPeriod]:
    """The periods with their volumes rounded by RunningRounder."""
    rounder = RunningRounder()
    return [
        replace(
            period,
            dimensions={
                name: rounder.rounded(name, value) for name, value in period.dimensions.items()
            },
        )
        for period in periods
    ]

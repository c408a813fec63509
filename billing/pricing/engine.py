"""Price a session with an OCPI 2.2.1 tariff.

The session is cut into segments at every moment something a tariff looks at
can change (a sample, a charging state change, a time of day or date of a
restriction, a duration or energy threshold). Each segment is priced with, per
dimension, the first element that prices that dimension and whose restrictions
match (OCPI 2.2.1 tariffs §11.3.1). Neighbouring segments priced alike make one
charging period of the CDR.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from billing.pricing.tariffs import (
    DAYS,
    RESERVATION,
    RESERVATION_EXPIRES,
    Element,
    Price,
    PriceComponent,
    Restrictions,
    TariffSpec,
)
from billing.pricing.timeline import ZERO, Meter, Moment, Segment, segments
from billing.pricing.types import (
    ChargingPeriod,
    Costs,
    CurrencyMismatch,
    PricingError,
    Reservation,
    Usage,
)

CENTS = Decimal("0.0001")  # OCPI amounts: four decimals are plenty for any currency.
VOLUME = Decimal("0.000001")
HOUR = Decimal(3600)
TIME_DIMENSIONS = ("TIME", "PARKING_TIME")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def _volume(value: Decimal) -> Decimal:
    return value.quantize(VOLUME, rounding=ROUND_HALF_UP)


def _ceil_to(amount: Decimal, step: int) -> Decimal:
    # Measured amounts carry float noise from meters: 1000.0000001 Wh is 1000 Wh.
    amount = amount.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    if amount <= 0:
        return ZERO
    step = max(step, 1)  # the spec's own free-of-charge example writes step_size 0
    return Decimal(math.ceil(amount / step) * step)


def _price(component: PriceComponent, units: Decimal) -> Price:
    excl = component.price * units
    # OCPI 2.2.1 tariffs §11.4.2: no vat means no VAT applies, so incl = excl.
    incl = excl if component.vat is None else excl * (1 + component.vat / 100)
    return Price(excl_vat=_money(excl), incl_vat=_money(incl))


def _add(a: Price, b: Price) -> Price:
    return Price(a.excl_vat + b.excl_vat, (a.incl_vat or ZERO) + (b.incl_vat or ZERO))


FREE = Price(ZERO, ZERO)


# --- restrictions -----------------------------------------------------------


def _time_matches(r: Restrictions, moment: Moment) -> bool:
    clock = moment.local.time()
    if r.start_time is not None and r.end_time is not None and r.end_time <= r.start_time:
        # OCPI 2.2.1 tariffs §11.4.6: end before start wraps to the next day;
        # "00:00" as end is the end of the day.
        return clock >= r.start_time or clock < r.end_time
    if r.start_time is not None and clock < r.start_time:
        return False
    return not (r.end_time is not None and clock >= r.end_time)


def _between(value, low, high) -> bool:
    """min inclusive, max exclusive (tariffs §11.4.6); an unknown value matches neither."""
    if low is None and high is None:
        return True
    if value is None:
        return False
    value = Decimal(str(value))
    return (low is None or value >= low) and (high is None or value < high)


def _matches(r: Restrictions, moment: Moment) -> bool:
    local_date = moment.local.date()
    return (
        _time_matches(r, moment)
        and (r.start_date is None or local_date >= r.start_date)
        and (r.end_date is None or local_date < r.end_date)
        and (not r.day_of_week or DAYS[moment.local.weekday()] in r.day_of_week)
        and _between(moment.used_kwh, r.min_kwh, r.max_kwh)
        and _between(moment.current_a if moment.charging else 0, r.min_current, r.max_current)
        and _between(moment.power_kw if moment.charging else 0, r.min_power, r.max_power)
        and _between(moment.elapsed_s, r.min_duration, r.max_duration)
    )


def _first(
    elements: list[tuple[int, Element]], dimension: str, moment: Moment
) -> tuple[int, PriceComponent] | None:
    for index, element in elements:
        component = element.component(dimension)
        if component is not None and _matches(element.restrictions, moment):
            return index, component
    return None


# --- one part of the timeline: the session or its reservation -----------------


@dataclass
class _Period:
    start: object
    end: object
    key: tuple
    dimensions: dict[str, Decimal] = field(default_factory=dict)
    # dimension -> (element index, component, amount in step units: Wh or seconds)
    priced: dict[str, tuple[int, PriceComponent, Decimal]] = field(default_factory=dict)
    flat: tuple[int, PriceComponent] | None = None


def _periods(
    parts: list[Segment],
    lookup: Callable[[str, Moment], tuple[int, PriceComponent] | None],
    *,
    reservation: bool,
) -> list[_Period]:
    periods: list[_Period] = []
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
            periods.append(_Period(start=segment.start, end=segment.end, key=key))
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


def _round_steps(periods: list[_Period], dimensions: Iterable[str]) -> None:
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
    extra = _ceil_to(total, component.step_size) - total
    period.priced[dim] = (index, component, amount + extra)


def _cost(period: _Period, dim: str) -> Price:
    if dim not in period.priced:
        return FREE
    _, component, amount = period.priced[dim]
    units = amount / 1000 if dim == "ENERGY" else amount / HOUR
    return _price(component, units)


def _finish(period: _Period, *, reservation: bool) -> ChargingPeriod:
    costs: dict[str, Price] = {}
    elements: dict[str, int] = {}
    for dim, (index, _, _) in period.priced.items():
        costs[dim] = _cost(period, dim)
        elements[dim] = index
    if period.flat is not None:
        costs["FLAT"] = _price(period.flat[1], Decimal(1))
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


_SUMMED = ("ENERGY", "TIME", "PARKING_TIME", "RESERVATION_TIME")


def _rounded(periods: list[ChargingPeriod]) -> list[ChargingPeriod]:
    """Volumes to six decimals, rounding running totals rather than each period,
    so the periods add up exactly to the (rounded) session totals."""
    running = {name: ZERO for name in _SUMMED}
    done = {name: ZERO for name in _SUMMED}
    result = []
    for period in periods:
        dimensions = {}
        for name, value in period.dimensions.items():
            if name in running:
                running[name] += value
                dimensions[name] = _volume(running[name]) - done[name]
                done[name] += dimensions[name]
            else:
                dimensions[name] = _volume(value)
        result.append(replace(period, dimensions=dimensions))
    return result


# --- the whole -------------------------------------------------------------------


def _reservation_periods(
    tariff: TariffSpec, reservation: Reservation, usage: Usage
) -> list[ChargingPeriod]:
    indexed = list(enumerate(tariff.elements))
    booked = [(i, e) for i, e in indexed if e.restrictions.reservation == RESERVATION]
    expired = [(i, e) for i, e in indexed if e.restrictions.reservation == RESERVATION_EXPIRES]
    # OCPI 2.2.1 tariffs §11.4.5: an expired reservation is priced by the
    # RESERVATION_EXPIRES elements first; RESERVATION elements cover the rest.
    candidates = (expired + booked) if reservation.expired else booked

    def lookup(dim: str, moment: Moment):
        return _first(candidates, dim, moment)

    parts = segments(
        usage,
        reservation.start,
        max(reservation.end, reservation.start),
        [e for _, e in candidates],
        Meter(()),
    )
    periods = _periods(parts, lookup, reservation=True)
    _round_steps(periods, ("TIME",))
    return _rounded([_finish(p, reservation=True) for p in periods])


def _session_periods(tariff: TariffSpec, usage: Usage, meter: Meter) -> list[ChargingPeriod]:
    indexed = enumerate(tariff.elements)
    candidates = [(i, e) for i, e in indexed if e.restrictions.reservation is None]

    def lookup(dim: str, moment: Moment):
        return _first(candidates, dim, moment)

    parts = segments(usage, usage.start, usage.end, [e for _, e in candidates], meter)
    periods = _periods(parts, lookup, reservation=False)
    _round_steps(periods, ("ENERGY",))
    _round_steps(periods, TIME_DIMENSIONS)
    return _rounded([_finish(p, reservation=False) for p in periods])


def _clamp(total: Price, tariff: TariffSpec) -> tuple[Price, bool, bool]:
    """OCPI 2.2.1 tariffs §11.3.1: excl and incl VAT are held to the limits separately.

    A limit given without incl_vat moves the incl. VAT total in proportion,
    keeping the session's VAT share.
    """
    excl, incl = total.excl_vat, total.incl_vat or ZERO
    raised = capped = False
    for limit, outside in (
        (tariff.min_price, lambda value, bound: value < bound),
        (tariff.max_price, lambda value, bound: value > bound),
    ):
        if limit is None:
            continue
        moved = False
        if outside(excl, limit.excl_vat):
            before, excl, moved = excl, limit.excl_vat, True
            if limit.incl_vat is None:
                incl = incl * excl / before if before else excl
        if limit.incl_vat is not None and outside(incl, limit.incl_vat):
            incl, moved = limit.incl_vat, True
        if moved and limit is tariff.min_price:
            raised = True
        elif moved:
            capped = True
    return Price(_money(excl), _money(incl)), raised, capped


def _sum(periods: Iterable[ChargingPeriod], dim: str) -> Price:
    total = FREE
    for period in periods:
        if dim in period.costs:
            total = _add(total, period.costs[dim])
    return total


def _volume_sum(periods: Iterable[ChargingPeriod], dim: str) -> Decimal:
    return sum((p.dimensions.get(dim, ZERO) for p in periods), ZERO)


def price_session(tariff: TariffSpec, usage: Usage) -> Costs:
    """The periods and costs of ``usage`` under ``tariff``."""
    if usage.currency.upper() != tariff.currency.upper():
        raise CurrencyMismatch(
            f"tariff {tariff.id or '(no id)'} is in {tariff.currency}, "
            f"the session in {usage.currency.upper()}"
        )
    if usage.end < usage.start:
        raise PricingError("the session ends before it starts")
    reservation = usage.reservation
    booked: list[ChargingPeriod] = []
    if reservation is not None:
        if reservation.end < reservation.start:
            raise PricingError("the reservation ends before it starts")
        booked = _reservation_periods(tariff, reservation, usage)
    session: list[ChargingPeriod] = []
    if reservation is None or not reservation.expired:
        session = _session_periods(tariff, usage, Meter(usage.samples))

    fixed = _sum(session, "FLAT")
    energy = _sum(session, "ENERGY")
    time = _sum(session, "TIME")
    parking = _sum(session, "PARKING_TIME")
    reserved = _add(_sum(booked, "TIME"), _sum(booked, "FLAT"))
    total = FREE
    for part in (fixed, energy, time, parking, reserved):
        total = _add(total, part)
    total, raised, capped = _clamp(total, tariff)
    return Costs(
        currency=tariff.currency,
        periods=(*booked, *session),
        total=total,
        fixed=fixed,
        energy=energy,
        time=time,
        parking=parking,
        reservation=reserved,
        total_energy_kwh=_volume_sum(session, "ENERGY"),
        total_time_h=_volume_sum(session, "TIME") + _volume_sum(session, "PARKING_TIME"),
        total_parking_time_h=_volume_sum(session, "PARKING_TIME"),
        total_reservation_time_h=_volume_sum(booked, "RESERVATION_TIME"),
        min_price_applied=raised,
        max_price_applied=capped,
    )

"""Price a session with an OCPI 2.2.1 tariff.

The session is cut into segments at every moment something a tariff looks at
can change (a sample, a charging state change, a time of day or date of a
restriction, a duration or energy threshold). Each segment is priced with, per
dimension, the first element that prices that dimension and whose restrictions
match (OCPI 2.2.1 tariffs §11.3.1). Neighbouring segments priced alike make one
charging period of the CDR.
"""

import datetime
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from billing.pricing.assumptions import Assumed
from billing.pricing.periods import (
    FREE,
    Period,
    money,
    period_finish,
    periods_add,
    periods_rounded,
    price_add,
    round_steps,
    round_time_steps,
)
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
from billing.pricing.timeline import ZERO, Meter, Moment, segments
from billing.pricing.types import (
    ChargingPeriod,
    Costs,
    CurrencyMismatch,
    PricingError,
    Reservation,
    Usage,
)

# --- restrictions -----------------------------------------------------------


def _time_matches(r: Restrictions, moment: Moment) -> bool:
    clock = moment.local.time()
    if r.start_time is not None and r.end_time is not None and r.end_time < r.start_time:
        # OCPI 2.2.1 tariffs §11.4.6: "If end_time < start_time then the period
        # wraps around to the next day"; "00:00" as end is the end of the day.
        return clock >= r.start_time or clock < r.end_time
    # Equal times do not wrap: from start_time (inclusive) until the same time
    # (exclusive) is no time at all, so such an element never applies.
    if r.start_time is not None and clock < r.start_time:
        return False
    return not (r.end_time is not None and clock >= r.end_time)


def _between(value, low, high, *, unknown: bool = False) -> bool:
    """min inclusive, max exclusive (tariffs §11.4.6); an unknown value matches if ``unknown``."""
    if low is None and high is None:
        return True
    if value is None:
        return unknown
    value = Decimal(str(value))
    return (low is None or value >= low) and (high is None or value < high)


def _matches(r: Restrictions, moment: Moment, unknown: bool) -> bool:
    """Whether an element's restrictions hold at ``moment`` (a logical AND, tariffs §11.4.6).

    A current or power the charger did not report and the engine could not
    derive (timeline._electrics) matches as Supply.unknown_matches says: by
    default it does, so an unknown value never makes charging cheaper.
    """
    local_date = moment.local.date()
    return (
        _time_matches(r, moment)
        and (r.start_date is None or local_date >= r.start_date)
        and (r.end_date is None or local_date < r.end_date)
        and (not r.day_of_week or DAYS[moment.local.weekday()] in r.day_of_week)
        and _between(moment.used_kwh, r.min_kwh, r.max_kwh)
        and _between(
            moment.current_a if moment.charging else 0,
            r.min_current,
            r.max_current,
            unknown=unknown,
        )
        and _between(
            moment.power_kw if moment.charging else 0, r.min_power, r.max_power, unknown=unknown
        )
        and _between(moment.elapsed_s, r.min_duration, r.max_duration)
    )


def _first(
    elements: list[tuple[int, Element]], dimension: str, moment: Moment, unknown: bool = True
) -> tuple[int, PriceComponent] | None:
    for index, element in elements:
        component = element.component(dimension)
        if component is not None and _matches(element.restrictions, moment, unknown):
            return index, component
    return None


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
    periods = periods_add(parts, lookup, reservation=True)
    round_steps(periods, ("TIME",))
    return periods_rounded([period_finish(p, reservation=True) for p in periods])


def session_periods_extend(
    tariff: TariffSpec,
    usage: Usage,
    meter: Meter,
    periods: list[Period],
    *,
    start: datetime.datetime,
    base: Decimal,
    derive_power: bool,
    assumed: Assumed | None = None,
) -> list[Period]:
    """``periods`` (the session priced until ``start``) continued until ``usage.end``.

    ``base`` is the register at the session's start; ``meter`` must know the
    register from ``start`` on. ``assumed`` collects what the engine assumed
    for the notes.
    """
    indexed = enumerate(tariff.elements)
    candidates = [(i, e) for i, e in indexed if e.restrictions.reservation is None]
    unknown = usage.supply.unknown_matches

    def lookup(dim: str, moment: Moment):
        return _first(candidates, dim, moment, unknown)

    parts = segments(
        usage,
        start,
        usage.end,
        [e for _, e in candidates],
        meter,
        origin=usage.start,
        base=base,
        derive_power=derive_power,
    )
    if assumed is not None:
        assumed.add(parts, [e for _, e in candidates])
    return periods_add(parts, lookup, reservation=False, periods=periods)


def session_periods_finish(periods: list[Period]) -> list[ChargingPeriod]:
    """The CDR's periods: step sizes applied once, to the whole session (on copies)."""
    periods = [replace(p, dimensions=dict(p.dimensions), priced=dict(p.priced)) for p in periods]
    round_steps(periods, ("ENERGY",))
    round_time_steps(periods)
    return periods_rounded([period_finish(p, reservation=False) for p in periods])


def _session_periods(
    tariff: TariffSpec, usage: Usage, meter: Meter, assumed: Assumed
) -> list[ChargingPeriod]:
    periods = session_periods_extend(
        tariff,
        usage,
        meter,
        [],
        start=usage.start,
        base=meter.at(usage.start),
        derive_power=not meter.has("power_w"),
        assumed=assumed,
    )
    return session_periods_finish(periods)


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
    return Price(money(excl), money(incl)), raised, capped


def _sum(periods: Iterable[ChargingPeriod], dim: str) -> Price:
    total = FREE
    for period in periods:
        if dim in period.costs:
            total = price_add(total, period.costs[dim])
    return total


def _volume_sum(periods: Iterable[ChargingPeriod], dim: str) -> Decimal:
    return sum((p.dimensions.get(dim, ZERO) for p in periods), ZERO)


def usage_check(tariff: TariffSpec, usage: Usage) -> None:
    if usage.currency.upper() != tariff.currency.upper():
        raise CurrencyMismatch(
            f"tariff {tariff.id or '(no id)'} is in {tariff.currency}, "
            f"the session in {usage.currency.upper()}"
        )
    if usage.end < usage.start:
        raise PricingError("the session ends before it starts")
    reservation = usage.reservation
    if reservation is not None and reservation.end < reservation.start:
        raise PricingError("the reservation ends before it starts")


def booked_periods(tariff: TariffSpec, usage: Usage) -> list[ChargingPeriod]:
    """The periods of the reservation before the session, if it had one."""
    if usage.reservation is None:
        return []
    return _reservation_periods(tariff, usage.reservation, usage)


def price_session(tariff: TariffSpec, usage: Usage) -> Costs:
    """The periods and costs of ``usage`` under ``tariff``."""
    usage_check(tariff, usage)
    reservation = usage.reservation
    session: list[ChargingPeriod] = []
    assumed = Assumed(usage.supply)
    if reservation is None or not reservation.expired:
        session = _session_periods(tariff, usage, Meter(usage.samples), assumed)
    return costs_total(
        tariff, booked=booked_periods(tariff, usage), session=session, notes=assumed.notes()
    )


def costs_total(
    tariff: TariffSpec,
    *,
    booked: list[ChargingPeriod],
    session: list[ChargingPeriod],
    notes: tuple[str, ...] = (),
) -> Costs:
    """The costs of a session's periods (and its reservation's), held to the tariff's limits."""
    fixed = _sum(session, "FLAT")
    energy = _sum(session, "ENERGY")
    time = _sum(session, "TIME")
    parking = _sum(session, "PARKING_TIME")
    reserved = price_add(_sum(booked, "TIME"), _sum(booked, "FLAT"))
    total = FREE
    for part in (fixed, energy, time, parking, reserved):
        total = price_add(total, part)
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
        notes=notes,
    )

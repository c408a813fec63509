"""Small builders for the cost engine tests: sessions read like the spec's prose."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing.pricing import (
    ChargingPeriod,
    Costs,
    Price,
    Reservation,
    Sample,
    StateChange,
    TariffSpec,
    Usage,
    price_session,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC

# Weekdays used throughout, so day_of_week restrictions are easy to check.
MONDAY = "2025-06-02"
SATURDAY = "2025-06-07"


def local(text: str, tz: datetime.tzinfo = AMSTERDAM) -> datetime.datetime:
    """A wall-clock time at the location: ``local("2025-06-02 09:30")``."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=tz)


def later(moment: datetime.datetime, minutes: float = 0, seconds: float = 0) -> datetime.datetime:
    return moment + datetime.timedelta(minutes=minutes, seconds=seconds)


def eur(excl: str, incl: str | None = None) -> Price:
    """A Price; without ``incl`` the tariff had no VAT, so incl equals excl."""
    return Price(excl_vat=Decimal(excl), incl_vat=Decimal(incl if incl is not None else excl))


def hours(minutes: float) -> Decimal:
    """Only for minutes that make a finite decimal number of hours (3, 6, 15, 45...)."""
    return Decimal(str(minutes)) / 60


def meter(*readings: tuple[datetime.datetime, float], **extra) -> list[Sample]:
    """Samples of the energy register, ``(at, Wh)`` each, with the same extras."""
    return [Sample(at=at, energy_wh=wh, **extra) for at, wh in readings]


def states(*changes: tuple[datetime.datetime, bool]) -> list[StateChange]:
    return [StateChange(at=at, charging=charging) for at, charging in changes]


def session(
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    samples: Iterable[Sample] = (),
    charging_until: datetime.datetime | None = None,
    state_changes: Iterable[StateChange] = (),
    reservation: Reservation | None = None,
    currency: str = "EUR",
    tz: datetime.tzinfo = AMSTERDAM,
) -> Usage:
    """A session; ``charging_until`` is the common case of charging then parking."""
    changes = list(state_changes)
    if charging_until is not None:
        changes = states((start, True), (charging_until, False))
    return Usage(
        currency=currency,
        start=start,
        end=end,
        time_zone=tz,
        samples=tuple(samples),
        states=tuple(changes),
        reservation=reservation,
    )


def expired_reservation(start: datetime.datetime, end: datetime.datetime, **kwargs) -> Usage:
    """A reservation nobody came for: the CDR spans the reservation, there is no session."""
    return session(
        start, end, reservation=Reservation(start=start, end=end, expired=True), **kwargs
    )


def price(tariff: dict, usage: Usage) -> Costs:
    return price_session(TariffSpec.from_ocpi({"id": "T1", **tariff}), usage)


def spans(costs: Costs) -> list[tuple[datetime.datetime, datetime.datetime]]:
    return [(p.start, p.end) for p in costs.periods]


def element_of(periods: Iterable[ChargingPeriod], dimension: str) -> list[int | None]:
    """Which element priced ``dimension`` in each period (None: not priced)."""
    return [p.elements.get(dimension) for p in periods]


def volume(periods: Iterable[ChargingPeriod], dimension: str) -> Decimal:
    return sum((p.dimensions.get(dimension, Decimal(0)) for p in periods), Decimal(0))


def cost(periods: Iterable[ChargingPeriod], dimension: str, *, incl: bool = False) -> Decimal:
    """What the periods billed for a tariff dimension, excl. VAT (or incl.)."""
    total = Decimal(0)
    for period in periods:
        billed = period.costs.get(dimension)
        if billed is not None:
            total += billed.incl_vat if incl else billed.excl_vat
    return total


def in_minutes(hours_: Decimal) -> Decimal:
    """Hours as whole-ish minutes, for volumes like 35 min that are no finite decimal of hours."""
    return (hours_ * 60).quantize(Decimal("0.1"))

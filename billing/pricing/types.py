"""What the cost engine takes (a session's usage) and gives (charging periods, costs)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from billing.pricing.tariffs import Price


class PricingError(ValueError):
    """The session cannot be priced with this tariff."""


class CurrencyMismatch(PricingError):
    """The tariff is in another currency than the session: no number is better than a wrong one."""


@dataclass(frozen=True)
class Sample:
    """A meter reading: the energy register (Wh) and, when known, power, current, voltage.

    ``power_w``, ``current_a`` and ``voltage_v`` hold from this sample until
    the next one that carries them. ``current_a`` is the sum over all phases
    (OCPI min_current/max_current); ``voltage_v`` is a phase's voltage to
    neutral (the mean of the phases reported).
    """

    at: datetime.datetime
    energy_wh: float
    power_w: float | None = None
    current_a: float | None = None
    voltage_v: float | None = None


@dataclass(frozen=True)
class Supply:
    """What the engine may assume where a charger does not say (CSMS_PRICING_* settings).

    ``nominal_voltage``: the voltage of a phase to neutral of an AC supply, to
    derive current from power (and power from current) where no voltage was
    measured; None (DC, or not known): nothing is derived without a measured
    voltage. ``phases``: the phases in use, for the notes. ``unknown_matches``:
    whether a min/max_current (min/max_power) restriction applies while the
    value is unknown and cannot be derived.
    """

    nominal_voltage: float | None = None
    phases: int | None = None
    unknown_matches: bool = True


@dataclass(frozen=True)
class StateChange:
    """From ``at`` on the vehicle is charging, or not (parking, OCPI PARKING_TIME)."""

    at: datetime.datetime
    charging: bool


@dataclass(frozen=True)
class Reservation:
    """A reservation before the session: from when it was made until the session
    started (``end`` = session start) or until it expired (``expired``)."""

    start: datetime.datetime
    end: datetime.datetime
    expired: bool = False


@dataclass(frozen=True)
class Usage:
    """What happened, in the session's currency and the location's time zone.

    Energy comes from ``samples`` (linear between two samples); a session
    without samples used no energy. Without state changes the vehicle charged
    all along. A reservation that expired is priced alone: there was no session.
    """

    currency: str
    start: datetime.datetime
    end: datetime.datetime
    time_zone: datetime.tzinfo
    samples: Sequence[Sample] = ()
    states: Sequence[StateChange] = ()
    reservation: Reservation | None = None
    supply: Supply = Supply()


@dataclass(frozen=True)
class ChargingPeriod:
    """An OCPI 2.2.1 ChargingPeriod (CDRs §10.4.6) with what it cost.

    ``dimensions`` holds CdrDimensionType -> volume (ENERGY kWh, TIME,
    PARKING_TIME and RESERVATION_TIME hours, MIN/MAX_CURRENT A, MIN/MAX_POWER kW).
    ``costs`` holds TariffDimensionType -> Price billed in this period, step
    size included; ``elements`` the index of the element that priced each.
    """

    start: datetime.datetime
    end: datetime.datetime
    dimensions: dict[str, Decimal]
    costs: dict[str, Price] = field(default_factory=dict)
    elements: dict[str, int] = field(default_factory=dict)
    reservation: bool = False


@dataclass(frozen=True)
class Costs:
    """The price of a session (OCPI 2.2.1 CDR totals, CDRs §10.3.1).

    ``total`` is the sum of the parts, held between the tariff's min_price and
    max_price (``min_price_applied`` / ``max_price_applied`` say when that
    changed it). Volumes are what was used, before step sizes. ``notes``
    say, in English, what the engine assumed (a current derived or unknown).
    """

    currency: str
    periods: tuple[ChargingPeriod, ...]
    total: Price
    fixed: Price
    energy: Price
    time: Price
    parking: Price
    reservation: Price
    total_energy_kwh: Decimal
    total_time_h: Decimal
    total_parking_time_h: Decimal
    total_reservation_time_h: Decimal
    min_price_applied: bool = False
    max_price_applied: bool = False
    notes: tuple[str, ...] = ()

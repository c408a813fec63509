"""OCPI 2.2.1 tariffs as the cost engine reads them (tariffs §11.3, §11.4)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

DIMENSIONS = ("ENERGY", "FLAT", "PARKING_TIME", "TIME")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
RESERVATION = "RESERVATION"
RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class TariffError(ValueError):
    """The tariff cannot be priced with: ``path`` names the field at fault."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Price:
    """OCPI 2.2.1 Price (types §16.8): an amount excluding and including VAT."""

    excl_vat: Decimal
    incl_vat: Decimal | None = None

    def as_ocpi(self) -> dict[str, float]:
        data = {"excl_vat": float(self.excl_vat)}
        if self.incl_vat is not None:
            data["incl_vat"] = float(self.incl_vat)
        return data


@dataclass(frozen=True)
class PriceComponent:
    type: str
    price: Decimal
    vat: Decimal | None
    step_size: int


@dataclass(frozen=True)
class Restrictions:
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: frozenset[str] = field(default_factory=frozenset)
    reservation: str | None = None


@dataclass(frozen=True)
class Element:
    price_components: tuple[PriceComponent, ...]
    restrictions: Restrictions

    def component(self, dimension: str) -> PriceComponent | None:
        return next((c for c in self.price_components if c.type == dimension), None)


@dataclass(frozen=True)
class TariffSpec:
    id: str
    currency: str
    elements: tuple[Element, ...]
    min_price: Price | None = None
    max_price: Price | None = None

    @classmethod
    def from_ocpi(cls, data: dict[str, Any]) -> "TariffSpec":
        """Read an OCPI Tariff object; raise TariffError naming the first bad field."""
        if not isinstance(data, dict):
            raise TariffError("tariff", "must be an object")
        currency = data.get("currency")
        if not isinstance(currency, str) or len(currency) != 3:
            raise TariffError("currency", "must be a 3-letter ISO 4217 code")
        elements = data.get("elements")
        if not isinstance(elements, list) or not elements:
            raise TariffError("elements", "must be a list of at least one element")
        return cls(
            id=str(data.get("id", "")),
            currency=currency.upper(),
            elements=tuple(_element(e, f"elements[{i}]") for i, e in enumerate(elements)),
            min_price=_price(data.get("min_price"), "min_price"),
            max_price=_price(data.get("max_price"), "max_price"),
        )


def _number(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TariffError(path, "must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise TariffError(path, "must be a number") from None
    if not number.is_finite():
        raise TariffError(path, "must be a finite number")
    return number


def _optional_number(data: dict, key: str, path: str) -> Decimal | None:
    value = data.get(key)
    return None if value is None else _number(value, f"{path}.{key}")


def _price(value: Any, path: str) -> Price | None:
    if value is None:
        return None
    if not isinstance(value, dict) or "excl_vat" not in value:
        raise TariffError(path, "must be a Price object with excl_vat")
    incl = value.get("incl_vat")
    return Price(
        excl_vat=_number(value["excl_vat"], f"{path}.excl_vat"),
        incl_vat=None if incl is None else _number(incl, f"{path}.incl_vat"),
    )


def _element(value: Any, path: str) -> Element:
    if not isinstance(value, dict):
        raise TariffError(path, "must be an object")
    components = value.get("price_components")
    if not isinstance(components, list) or not components:
        raise TariffError(f"{path}.price_components", "must be a list of at least one component")
    return Element(
        price_components=tuple(
            _component(c, f"{path}.price_components[{i}]") for i, c in enumerate(components)
        ),
        restrictions=_restrictions(value.get("restrictions"), f"{path}.restrictions"),
    )


def _component(value: Any, path: str) -> PriceComponent:
    if not isinstance(value, dict):
        raise TariffError(path, "must be an object")
    kind = value.get("type")
    if kind not in DIMENSIONS:
        raise TariffError(f"{path}.type", f"must be one of {', '.join(DIMENSIONS)}")
    step = value.get("step_size", 1)
    # At least 1 by the spec; its own free-of-charge example writes 0, read as 1.
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise TariffError(f"{path}.step_size", "must be a whole number of at least 1")
    return PriceComponent(
        type=kind,
        price=_number(value.get("price"), f"{path}.price"),
        vat=_optional_number(value, "vat", path),
        step_size=step,
    )


def _time(value: Any, path: str) -> datetime.time | None:
    if value is None:
        return None
    try:
        hours, minutes = str(value).split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        return datetime.time(int(hours), int(minutes))
    except ValueError:
        raise TariffError(path, "must be a time of day as HH:MM") from None


def _date(value: Any, path: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise TariffError(path, "must be a date as YYYY-MM-DD") from None


def _restrictions(value: Any, path: str) -> Restrictions:
    if value is None:
        return Restrictions()
    if not isinstance(value, dict):
        raise TariffError(path, "must be an object")
    days = value.get("day_of_week") or []
    if not isinstance(days, list) or any(day not in DAYS for day in days):
        raise TariffError(f"{path}.day_of_week", f"must list days among {', '.join(DAYS)}")
    reservation = value.get("reservation")
    if reservation not in (None, RESERVATION, RESERVATION_EXPIRES):
        raise TariffError(f"{path}.reservation", "must be RESERVATION or RESERVATION_EXPIRES")
    durations = {}
    for key in ("min_duration", "max_duration"):
        duration = value.get(key)
        if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)):
            raise TariffError(f"{path}.{key}", "must be a whole number of seconds")
        durations[key] = duration
    return Restrictions(
        start_time=_time(value.get("start_time"), f"{path}.start_time"),
        end_time=_time(value.get("end_time"), f"{path}.end_time"),
        start_date=_date(value.get("start_date"), f"{path}.start_date"),
        end_date=_date(value.get("end_date"), f"{path}.end_date"),
        min_kwh=_optional_number(value, "min_kwh", path),
        max_kwh=_optional_number(value, "max_kwh", path),
        min_current=_optional_number(value, "min_current", path),
        max_current=_optional_number(value, "max_current", path),
        min_power=_optional_number(value, "min_power", path),
        max_power=_optional_number(value, "max_power", path),
        day_of_week=frozenset(days),
        reservation=reservation,
        **durations,
    )

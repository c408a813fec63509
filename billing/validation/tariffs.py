"""Check one OCPI 2.2.1 Tariff object completely, naming every field at fault.

``tariff_errors`` returns all errors at once, as (path, message) pairs with
paths such as ``elements[0].price_components[1].step_size``, so a partner or
an operator can fix a file in one go. Plain code rather than DRF serializers:
OCPI wants JSON numbers (DRF accepts "5" for a number), its own DateTime
format, and rules across fields that need the path of one side.

Fields the spec does not define are ignored: OCPI 2.2.1 says nothing against
them, and later versions add fields. A null field counts as absent: "Fields
that are not specified may be considered as null values" (tariffs §11.2.1).
"""

from decimal import Decimal
from typing import Any

from billing.validation.types import (
    COUNTRY,
    COUNTRY_CODE,
    CURRENCY,
    CURRENCY_CODE,
    LANGUAGE,
    LANGUAGE_CODE,
    MARKUP,
    PARTY,
    PARTY_ID,
    TIME,
    TIME_OF_DAY,
    Errors,
    boolean,
    date,
    date_time,
    enum,
    field,
    integer,
    is_object,
    join_path,
    list_of,
    number,
    object_id,
    pattern,
    string,
    url,
)

# OCPI 2.2.1 tariffs §11.4.7 TariffType. PROFILE_CHEAP and PROFILE_FAST, not
# ..._CHEAPEST/..._FASTEST: they follow the sessions ProfileType CHEAP/FAST.
TARIFF_TYPES = ("AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR")
DIMENSIONS = ("ENERGY", "FLAT", "PARKING_TIME", "TIME")  # tariffs §11.4.5
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
RESERVATION_TYPES = ("RESERVATION", "RESERVATION_EXPIRES")  # tariffs §11.4.3
# locations §8.4.8 EnergySourceCategory and §8.4.10 EnvironmentalImpactCategory
ENERGY_SOURCES = (
    "NUCLEAR",
    "GENERAL_FOSSIL",
    "COAL",
    "GAS",
    "GENERAL_GREEN",
    "SOLAR",
    "WIND",
    "WATER",
)
IMPACT_CATEGORIES = ("NUCLEAR_WASTE", "CARBON_DIOXIDE")
# tariffs §11.4.6: a reservation "can only have: FLAT and TIME TariffDimensions".
RESERVATION_DIMENSIONS = ("FLAT", "TIME")
# Restrictions whose start may not lie after their end. start_time/end_time are
# not here: "If end_time < start_time then the period wraps around to the next day."
RESERVATION_COMPONENT = "must be FLAT or TIME in an element with a reservation restriction"
RANGES = (
    ("start_date", "end_date", "must not be after end_date"),
    ("min_kwh", "max_kwh", "must not exceed max_kwh"),
    ("min_current", "max_current", "must not exceed max_current"),
    ("min_power", "max_power", "must not exceed max_power"),
    ("min_duration", "max_duration", "must not exceed max_duration"),
)


def tariff_errors(data: Any) -> Errors:
    """Every error in one OCPI 2.2.1 Tariff object (tariffs §11.3.1); empty when valid."""
    errors: Errors = []
    _tariff(data, "", errors)
    return errors


# --- the objects -----------------------------------------------------------


def _tariff(data: Any, path: str, errors: Errors) -> None:
    if not is_object(data, path, errors):
        return
    field(data, "country_code", path, errors, pattern(COUNTRY_CODE, COUNTRY), required=True)
    field(data, "party_id", path, errors, pattern(PARTY_ID, PARTY), required=True)
    field(data, "id", path, errors, object_id, required=True)
    field(data, "currency", path, errors, pattern(CURRENCY_CODE, CURRENCY), required=True)
    field(data, "type", path, errors, enum(TARIFF_TYPES))
    field(data, "tariff_alt_text", path, errors, list_of(_display_text))
    field(data, "tariff_alt_url", path, errors, url)
    min_price = field(data, "min_price", path, errors, _price)
    max_price = field(data, "max_price", path, errors, _price)
    field(data, "elements", path, errors, list_of(_element, non_empty=True), required=True)
    start = field(data, "start_date_time", path, errors, date_time)
    end = field(data, "end_date_time", path, errors, date_time)
    field(data, "energy_mix", path, errors, _energy_mix)
    # Required in OCPI, but an import is stamped with our own time (a CPO's
    # last_updated says when it changed here), so a file may leave it out:
    # the spec's own PUT example does.
    field(data, "last_updated", path, errors, date_time)

    if min_price and max_price:
        for key in ("excl_vat", "incl_vat"):
            low, high = min_price.get(key), max_price.get(key)
            if low is not None and high is not None and low > high:
                errors.append(
                    (join_path(path, f"min_price.{key}"), f"must not exceed max_price.{key}")
                )
    if start and end and start >= end:
        errors.append((join_path(path, "start_date_time"), "must be before end_date_time"))


def _element(data: Any, path: str, errors: Errors) -> None:
    """tariffs §11.4.4 TariffElement."""
    if not is_object(data, path, errors):
        return
    components = field(
        data, "price_components", path, errors, list_of(_component, non_empty=True), required=True
    )
    restrictions = field(data, "restrictions", path, errors, _restrictions)
    if restrictions and restrictions.get("reservation") and components:
        for index, kind in enumerate(components):
            if kind is not None and kind not in RESERVATION_DIMENSIONS:
                errors.append((f"{path}.price_components[{index}].type", RESERVATION_COMPONENT))


def _component(data: Any, path: str, errors: Errors) -> str | None:
    """tariffs §11.4.2 PriceComponent; returns its type for the reservation rule."""
    if not is_object(data, path, errors):
        return None
    kind = field(data, "type", path, errors, enum(DIMENSIONS), required=True)
    field(data, "price", path, errors, number(minimum=0), required=True)
    field(data, "vat", path, errors, number(minimum=0, maximum=100))
    # The spec's own free-of-charge example writes step_size 0; the cost engine
    # reads 0 as 1 (no rounding beyond the unit), so it is accepted.
    field(data, "step_size", path, errors, integer(minimum=0), required=True)
    return kind


def _restrictions(data: Any, path: str, errors: Errors) -> dict[str, Any] | None:
    """tariffs §11.4.6 TariffRestrictions; returns the values read, for checks across fields."""
    if not is_object(data, path, errors):
        return None
    seen: dict[str, Any] = {}
    for key in ("start_time", "end_time"):
        seen[key] = field(data, key, path, errors, pattern(TIME_OF_DAY, TIME))
    for key in ("start_date", "end_date"):
        seen[key] = field(data, key, path, errors, date)
    for name in ("kwh", "current", "power"):
        for key in (f"min_{name}", f"max_{name}"):
            seen[key] = field(data, key, path, errors, number(minimum=0))
    for key in ("min_duration", "max_duration"):
        seen[key] = field(data, key, path, errors, integer(minimum=0))
    field(data, "day_of_week", path, errors, list_of(enum(DAYS)))
    seen["reservation"] = field(data, "reservation", path, errors, enum(RESERVATION_TYPES))

    for low, high, message in RANGES:
        if seen[low] is not None and seen[high] is not None and seen[low] > seen[high]:
            errors.append((f"{path}.{low}", message))
    return seen


def _price(data: Any, path: str, errors: Errors) -> dict[str, Decimal] | None:
    """types §16.5 Price."""
    if not is_object(data, path, errors):
        return None
    return {
        key: field(data, key, path, errors, number(minimum=0), required=key == "excl_vat")
        for key in ("excl_vat", "incl_vat")
    }


def _display_text(data: Any, path: str, errors: Errors) -> None:
    """types §16.3 DisplayText."""
    if not is_object(data, path, errors):
        return
    field(data, "language", path, errors, pattern(LANGUAGE_CODE, LANGUAGE), required=True)
    text = field(data, "text", path, errors, string(512), required=True)
    if text and MARKUP.search(text):
        errors.append((f"{path}.text", "must be plain text, without markup"))


def _energy_mix(data: Any, path: str, errors: Errors) -> None:
    """locations §8.4.6 EnergyMix, with §8.4.7 EnergySource and §8.4.9 EnvironmentalImpact.

    The sources "should add up to 100 percent": a should, so not checked.
    """
    if not is_object(data, path, errors):
        return
    field(data, "is_green_energy", path, errors, boolean, required=True)
    field(data, "energy_sources", path, errors, list_of(_energy_source))
    field(data, "environ_impact", path, errors, list_of(_environmental_impact))
    field(data, "supplier_name", path, errors, string(64))
    field(data, "energy_product_name", path, errors, string(64))


def _energy_source(data: Any, path: str, errors: Errors) -> None:
    if is_object(data, path, errors):
        field(data, "source", path, errors, enum(ENERGY_SOURCES), required=True)
        field(data, "percentage", path, errors, number(minimum=0, maximum=100), required=True)


def _environmental_impact(data: Any, path: str, errors: Errors) -> None:
    if is_object(data, path, errors):
        field(data, "category", path, errors, enum(IMPACT_CATEGORIES), required=True)
        field(data, "amount", path, errors, number(minimum=0), required=True)

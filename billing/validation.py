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

import datetime
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

Errors = list[tuple[str, str]]
Check = Callable[[Any, str, Errors], Any]

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
RANGES = (
    ("start_date", "end_date", "must not be after end_date"),
    ("min_kwh", "max_kwh", "must not exceed max_kwh"),
    ("min_current", "max_current", "must not exceed max_current"),
    ("min_power", "max_power", "must not exceed max_power"),
    ("min_duration", "max_duration", "must not exceed max_duration"),
)

# tariffs §11.4.6 TariffRestrictions, the regexes as the spec gives them.
TIME_OF_DAY = re.compile(r"([0-1][0-9]|2[0-3]):[0-5][0-9]")
DATE = re.compile(r"([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
# types §16.2 DateTime: string(25), RFC 3339 in UTC; "Z" or no designator at
# all, fractional seconds allowed. "other formats/patterns are not allowed",
# so an offset (even +00:00) is an error.
DATETIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z?", re.ASCII)
# types §16.3 DisplayText.text: "No markup, html etc. allowed."
MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")
COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")  # ISO 3166-1 alpha-2
# ISO 15118 (which tariffs §11.3.1 names for party_id): three letters or digits.
PARTY_ID = re.compile(r"[A-Za-z0-9]{3}")
CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")  # ISO 4217
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2}")  # ISO 639-1
_url = URLValidator()

# --- messages ----------------------------------------------------------------

REQUIRED = "is required"
OBJECT = "must be an object"
LIST = "must be a list"
NON_EMPTY = "must not be empty"
NUMBER = "must be a number"
INTEGER = "must be an integer"
BOOLEAN = "must be true or false"
STRING = "must be a string"
COUNTRY = "must be a 2-letter ISO 3166-1 alpha-2 country code"
PARTY = "must be 3 letters or digits (ISO 15118 party id)"
CURRENCY = "must be a 3-letter ISO 4217 currency code"
LANGUAGE = "must be a 2-letter ISO 639-1 language code"
TIME = "must be a time of day as HH:MM (00:00 to 23:59)"
DATE_FORMAT = "must be a date as YYYY-MM-DD"
DATETIME_FORMAT = "must be a UTC date and time as YYYY-MM-DDThh:mm:ssZ"
ID = "must be 1 to 36 printable ASCII characters other than /"
URL = "must be a URL of at most 255 characters"
RESERVATION_COMPONENT = "must be FLAT or TIME in an element with a reservation restriction"


def tariff_errors(data: Any) -> Errors:
    """Every error in one OCPI 2.2.1 Tariff object (tariffs §11.3.1); empty when valid."""
    errors: Errors = []
    _tariff(data, "", errors)
    return errors


def parse_datetime(value: str) -> datetime.datetime:
    """An OCPI DateTime that ``tariff_errors`` accepted, as an aware UTC datetime."""
    parsed = _datetime(value, "", [])
    if parsed is None:
        raise ValueError(f"not an OCPI DateTime: {value!r}")
    return parsed


# --- the objects -----------------------------------------------------------


def _tariff(data: Any, path: str, errors: Errors) -> None:
    if not _is_object(data, path, errors):
        return
    _field(data, "country_code", path, errors, _pattern(COUNTRY_CODE, COUNTRY), required=True)
    _field(data, "party_id", path, errors, _pattern(PARTY_ID, PARTY), required=True)
    _field(data, "id", path, errors, _object_id, required=True)
    _field(data, "currency", path, errors, _pattern(CURRENCY_CODE, CURRENCY), required=True)
    _field(data, "type", path, errors, _enum(TARIFF_TYPES))
    _field(data, "tariff_alt_text", path, errors, _list_of(_display_text))
    _field(data, "tariff_alt_url", path, errors, _url_field)
    min_price = _field(data, "min_price", path, errors, _price)
    max_price = _field(data, "max_price", path, errors, _price)
    _field(data, "elements", path, errors, _list_of(_element, non_empty=True), required=True)
    start = _field(data, "start_date_time", path, errors, _datetime)
    end = _field(data, "end_date_time", path, errors, _datetime)
    _field(data, "energy_mix", path, errors, _energy_mix)
    # Required in OCPI, but an import is stamped with our own time (a CPO's
    # last_updated says when it changed here), so a file may leave it out:
    # the spec's own PUT example does.
    _field(data, "last_updated", path, errors, _datetime)

    if min_price and max_price:
        for key in ("excl_vat", "incl_vat"):
            low, high = min_price.get(key), max_price.get(key)
            if low is not None and high is not None and low > high:
                errors.append((_join(path, f"min_price.{key}"), f"must not exceed max_price.{key}"))
    if start and end and start >= end:
        errors.append((_join(path, "start_date_time"), "must be before end_date_time"))


def _element(data: Any, path: str, errors: Errors) -> None:
    """tariffs §11.4.4 TariffElement."""
    if not _is_object(data, path, errors):
        return
    components = _field(
        data, "price_components", path, errors, _list_of(_component, non_empty=True), required=True
    )
    restrictions = _field(data, "restrictions", path, errors, _restrictions)
    if restrictions and restrictions.get("reservation") and components:
        for index, kind in enumerate(components):
            if kind is not None and kind not in RESERVATION_DIMENSIONS:
                errors.append((f"{path}.price_components[{index}].type", RESERVATION_COMPONENT))


def _component(data: Any, path: str, errors: Errors) -> str | None:
    """tariffs §11.4.2 PriceComponent; returns its type for the reservation rule."""
    if not _is_object(data, path, errors):
        return None
    kind = _field(data, "type", path, errors, _enum(DIMENSIONS), required=True)
    _field(data, "price", path, errors, _number(minimum=0), required=True)
    _field(data, "vat", path, errors, _number(minimum=0, maximum=100))
    # The spec's own free-of-charge example writes step_size 0; the cost engine
    # reads 0 as 1 (no rounding beyond the unit), so it is accepted.
    _field(data, "step_size", path, errors, _integer(minimum=0), required=True)
    return kind


def _restrictions(data: Any, path: str, errors: Errors) -> dict[str, Any] | None:
    """tariffs §11.4.6 TariffRestrictions; returns the values read, for checks across fields."""
    if not _is_object(data, path, errors):
        return None
    seen: dict[str, Any] = {}
    for key in ("start_time", "end_time"):
        seen[key] = _field(data, key, path, errors, _pattern(TIME_OF_DAY, TIME))
    for key in ("start_date", "end_date"):
        seen[key] = _field(data, key, path, errors, _date)
    for name in ("kwh", "current", "power"):
        for key in (f"min_{name}", f"max_{name}"):
            seen[key] = _field(data, key, path, errors, _number(minimum=0))
    for key in ("min_duration", "max_duration"):
        seen[key] = _field(data, key, path, errors, _integer(minimum=0))
    _field(data, "day_of_week", path, errors, _list_of(_enum(DAYS)))
    seen["reservation"] = _field(data, "reservation", path, errors, _enum(RESERVATION_TYPES))

    for low, high, message in RANGES:
        if seen[low] is not None and seen[high] is not None and seen[low] > seen[high]:
            errors.append((f"{path}.{low}", message))
    return seen


def _price(data: Any, path: str, errors: Errors) -> dict[str, Decimal] | None:
    """types §16.5 Price."""
    if not _is_object(data, path, errors):
        return None
    return {
        key: _field(data, key, path, errors, _number(minimum=0), required=key == "excl_vat")
        for key in ("excl_vat", "incl_vat")
    }


def _display_text(data: Any, path: str, errors: Errors) -> None:
    """types §16.3 DisplayText."""
    if not _is_object(data, path, errors):
        return
    _field(data, "language", path, errors, _pattern(LANGUAGE_CODE, LANGUAGE), required=True)
    text = _field(data, "text", path, errors, _string(512), required=True)
    if text and MARKUP.search(text):
        errors.append((f"{path}.text", "must be plain text, without markup"))


def _energy_mix(data: Any, path: str, errors: Errors) -> None:
    """locations §8.4.6 EnergyMix, with §8.4.7 EnergySource and §8.4.9 EnvironmentalImpact.

    The sources "should add up to 100 percent": a should, so not checked.
    """
    if not _is_object(data, path, errors):
        return
    _field(data, "is_green_energy", path, errors, _boolean, required=True)
    _field(data, "energy_sources", path, errors, _list_of(_energy_source))
    _field(data, "environ_impact", path, errors, _list_of(_environmental_impact))
    _field(data, "supplier_name", path, errors, _string(64))
    _field(data, "energy_product_name", path, errors, _string(64))


def _energy_source(data: Any, path: str, errors: Errors) -> None:
    if _is_object(data, path, errors):
        _field(data, "source", path, errors, _enum(ENERGY_SOURCES), required=True)
        _field(data, "percentage", path, errors, _number(minimum=0, maximum=100), required=True)


def _environmental_impact(data: Any, path: str, errors: Errors) -> None:
    if _is_object(data, path, errors):
        _field(data, "category", path, errors, _enum(IMPACT_CATEGORIES), required=True)
        _field(data, "amount", path, errors, _number(minimum=0), required=True)


# --- the field types -------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _field(data: dict, key: str, path: str, errors: Errors, check: Check, required=False) -> Any:
    """Check ``data[key]`` when present; returns what the check read, or None."""
    here = _join(path, key)
    value = data.get(key)
    if value is None:
        if required:
            errors.append((here, REQUIRED))
        return None
    return check(value, here, errors)


def _is_object(value: Any, path: str, errors: Errors) -> bool:
    if isinstance(value, dict):
        return True
    errors.append((path, OBJECT))
    return False


def _list_of(check: Check, non_empty: bool = False) -> Check:
    def checked(value: Any, path: str, errors: Errors) -> list | None:
        if not isinstance(value, list):
            errors.append((path, LIST))
            return None
        if non_empty and not value:
            errors.append((path, NON_EMPTY))
        return [check(item, f"{path}[{index}]", errors) for index, item in enumerate(value)]

    return checked


def _enum(values: tuple[str, ...]) -> Check:
    def checked(value: Any, path: str, errors: Errors) -> str | None:
        if value in values:  # OCPI enums are case sensitive (types §16.7)
            return value
        errors.append((path, f"must be one of {', '.join(values)}"))
        return None

    return checked


def _number(minimum: int | None = None, maximum: int | None = None) -> Check:
    """types §16.4 number: a JSON number (not a string, not true/false)."""

    def checked(value: Any, path: str, errors: Errors) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append((path, NUMBER))
            return None
        number = Decimal(str(value))
        if not number.is_finite():  # Python's json reads NaN and Infinity
            errors.append((path, NUMBER))
            return None
        return _in_range(number, minimum, maximum, path, errors)

    return checked


def _integer(minimum: int) -> Check:
    def checked(value: Any, path: str, errors: Errors) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append((path, INTEGER))
            return None
        return _in_range(value, minimum, None, path, errors)

    return checked


def _in_range(value: Any, minimum: int | None, maximum: int | None, path: str, errors: Errors):
    if minimum is not None and value < minimum:
        message = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
        errors.append((path, message))
        return None
    if maximum is not None and value > maximum:
        errors.append((path, f"must be at most {maximum}"))
        return None
    return value


def _boolean(value: Any, path: str, errors: Errors) -> bool | None:
    if isinstance(value, bool):
        return value
    errors.append((path, BOOLEAN))
    return None


def _string(max_length: int) -> Check:
    """types §16.7 string(n): printable UTF-8, no control characters or line breaks."""

    def checked(value: Any, path: str, errors: Errors) -> str | None:
        if not isinstance(value, str):
            errors.append((path, STRING))
            return None
        if len(value) > max_length:
            errors.append((path, f"must be at most {max_length} characters"))
            return None
        # Cc: controls (tabs, line breaks); Zl/Zp: Unicode line breaks; Cs: lone
        # surrogates, which json decodes but no database can store.
        if any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in value):
            errors.append((path, "must not contain control characters or line breaks"))
            return None
        return value

    return checked


def _pattern(regex: re.Pattern, message: str) -> Check:
    def checked(value: Any, path: str, errors: Errors) -> str | None:
        if isinstance(value, str) and regex.fullmatch(value):
            return value
        errors.append((path, message))
        return None

    return checked


def _object_id(value: Any, path: str, errors: Errors) -> str | None:
    """tariffs §11.3.1 id, a CiString(36) (types §16.1: printable ASCII only).

    It is a URL segment of the Receiver interface (tariffs §11.2.2), hence no "/".
    """
    printable_ascii = isinstance(value, str) and all(" " <= char <= "~" for char in value)
    if printable_ascii and 0 < len(value) <= 36 and "/" not in value:
        return value
    errors.append((path, ID))
    return None


def _url_field(value: Any, path: str, errors: Errors) -> str | None:
    """types §16.8 URL: string(255)."""
    try:
        if not isinstance(value, str) or len(value) > 255:
            raise ValidationError(URL)
        _url(value)
    except ValidationError:
        errors.append((path, URL))
        return None
    return value


def _date(value: Any, path: str, errors: Errors) -> datetime.date | None:
    if not (isinstance(value, str) and DATE.fullmatch(value)):
        errors.append((path, DATE_FORMAT))
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:  # the regex lets 2019-02-30 through
        errors.append((path, "is not a real date"))
        return None


def _datetime(value: Any, path: str, errors: Errors) -> datetime.datetime | None:
    match = DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None or len(value) > 25:
        errors.append((path, DATETIME_FORMAT))
        return None
    *fields, fraction = match.groups()
    try:
        parsed = datetime.datetime(*map(int, fields), tzinfo=datetime.UTC)
    except ValueError:
        errors.append((path, "is not a real date and time"))
        return None
    return parsed.replace(microsecond=int((fraction or "0")[:6].ljust(6, "0")))

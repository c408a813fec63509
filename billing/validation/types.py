"""OCPI 2.2.1 field types (types §16) as checks that name the path at fault.

A check takes ``(value, path, errors)``, appends ``(path, message)`` for
what is wrong and returns what it read (None when wrong), so the object
checks (billing.validation.tariffs) can compare fields afterwards. Plain
code rather than DRF fields: OCPI wants JSON numbers (DRF accepts "5" for a
number) and its own DateTime format.
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
_URL = URLValidator()

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


def parse_datetime(value: str) -> datetime.datetime:
    """An OCPI DateTime that ``date_time`` accepted, as an aware UTC datetime."""
    parsed = date_time(value, "", [])
    if parsed is None:
        raise ValueError(f"not an OCPI DateTime: {value!r}")
    return parsed


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def field(data: dict, key: str, path: str, errors: Errors, check: Check, required=False) -> Any:
    """Check ``data[key]`` when present; returns what the check read, or None."""
    here = join_path(path, key)
    value = data.get(key)
    if value is None:
        if required:
            errors.append((here, REQUIRED))
        return None
    return check(value, here, errors)


def is_object(value: Any, path: str, errors: Errors) -> bool:
    if isinstance(value, dict):
        return True
    errors.append((path, OBJECT))
    return False


def list_of(check: Check, non_empty: bool = False) -> Check:
    def checked(value: Any, path: str, errors: Errors) -> list | None:
        if not isinstance(value, list):
            errors.append((path, LIST))
            return None
        if non_empty and not value:
            errors.append((path, NON_EMPTY))
        return [check(item, f"{path}[{index}]", errors) for index, item in enumerate(value)]

    return checked


def enum(values: tuple[str, ...]) -> Check:
    def checked(value: Any, path: str, errors: Errors) -> str | None:
        if value in values:  # OCPI enums are case sensitive (types §16.7)
            return value
        errors.append((path, f"must be one of {', '.join(values)}"))
        return None

    return checked


def number(minimum: int | None = None, maximum: int | None = None) -> Check:
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


def integer(minimum: int) -> Check:
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


def boolean(value: Any, path: str, errors: Errors) -> bool | None:
    if isinstance(value, bool):
        return value
    errors.append((path, BOOLEAN))
    return None


def string(max_length: int) -> Check:
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


def pattern(regex: re.Pattern, message: str) -> Check:
    def checked(value: Any, path: str, errors: Errors) -> str | None:
        if isinstance(value, str) and regex.fullmatch(value):
            return value
        errors.append((path, message))
        return None

    return checked


def object_id(value: Any, path: str, errors: Errors) -> str | None:
    """tariffs §11.3.1 id, a CiString(36) (types §16.1: printable ASCII only).

    It is a URL segment of the Receiver interface (tariffs §11.2.2), hence no "/".
    """
    printable_ascii = isinstance(value, str) and all(" " <= char <= "~" for char in value)
    if printable_ascii and 0 < len(value) <= 36 and "/" not in value:
        return value
    errors.append((path, ID))
    return None


def url(value: Any, path: str, errors: Errors) -> str | None:
    """types §16.8 URL: string(255)."""
    try:
        if not isinstance(value, str) or len(value) > 255:
            raise ValidationError(URL)
        _URL(value)
    except ValidationError:
        errors.append((path, URL))
        return None
    return value


def date(value: Any, path: str, errors: Errors) -> datetime.date | None:
    if not (isinstance(value, str) and DATE.fullmatch(value)):
        errors.append((path, DATE_FORMAT))
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:  # the regex lets 2019-02-30 through
        errors.append((path, "is not a real date"))
        return None


def date_time(value: Any, path: str, errors: Errors) -> datetime.datetime | None:
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

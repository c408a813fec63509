"""How a cell of an import file becomes a value: strict, with a message an operator can act on.

A widget's ``clean`` raises ValueError with the message shown next to the
line and column. Cells come as text (CSV), or as numbers and booleans
(JSON, Excel): each widget takes both.
"""

import datetime
import math
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from import_export import widgets

TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value) -> str:
    if is_empty(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps 1001 as 1001.0.
        value = int(value)
    return str(value).strip()


class Text(widgets.Widget):
    """Text; an empty cell is empty text."""

    def clean(self, value, row=None, **kwargs):
        return as_text(value)


class Integer(widgets.Widget):
    """A whole number in a range; an empty cell is None (left as it is)."""

    def __init__(self, *, lowest: int, highest: int):
        super().__init__()
        self.lowest, self.highest = lowest, highest

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
            # A JSON 1e400 is read as infinity.
            raise ValueError(f"Enter a whole number, not {value}.")
        try:
            number = float(value) if isinstance(value, float) else int(as_text(value))
        except ValueError:
            raise ValueError(f"Enter a whole number, not {as_text(value)!r}.") from None
        if number != int(number):
            raise ValueError(f"Enter a whole number, not {value}.")
        number = int(number)
        if not self.lowest <= number <= self.highest:
            raise ValueError(f"{number} is out of range: enter {self.lowest} to {self.highest}.")
        return number


class Boolean(widgets.Widget):
    """true/false, yes/no, 1/0 in any case; an empty cell is None (left as it is)."""

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        if isinstance(value, bool):
            return value
        text = as_text(value).lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ValueError(f"Enter true or false, not {as_text(value)!r}.")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else ("true" if value else "false")


class Choice(widgets.Widget):
    """One of a set of values, in any letter case; stored as the set spells it."""

    def __init__(self, choices, *, allow_empty: bool = True):
        super().__init__()
        self.values = {str(value).lower(): value for value, _ in choices}
        self.allow_empty = allow_empty

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            if self.allow_empty:
                return ""
            raise ValueError("This column needs a value.")
        try:
            return self.values[text.lower()]
        except KeyError:
            shown = ", ".join(str(value) for value in self.values.values())
            raise ValueError(f"{text!r} is not one of: {shown}.") from None


class Moment(widgets.Widget):
    """An ISO 8601 date-time, or a date: valid through that day, in the server's time zone.

    A date-time without an offset is in the server's time zone (TIME_ZONE).
    Empty is None.
    """

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        if isinstance(value, datetime.datetime):  # Excel
            moment = value
        elif isinstance(value, datetime.date):
            moment = _day_end(value, as_text(value))
        else:
            text = as_text(value)
            try:
                # Django reads "2027-12-31" as a date-time too: a date is looked for first.
                day = parse_date(text)
                moment = None if day else parse_datetime(text)
            except ValueError:
                moment = day = None
            if day is not None:
                # A card "valid until 2027-12-31" works all of that day.
                moment = _day_end(day, text)
            if moment is None:
                raise ValueError(
                    f"Enter a date (2027-12-31) or an ISO 8601 date-time "
                    f"(2027-12-31T23:00:00+07:00), not {text!r}."
                )
        try:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, zone)
            # Stored in UTC: 9999-12-31 (through that day, or with a negative
            # offset) is past the last moment Python has.
            moment.astimezone(datetime.UTC)
        except OverflowError:
            raise ValueError(
                f"{as_text(value)!r} is too far in the future: enter a date before 9999-12-31."
            ) from None
        return moment

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.isoformat()


def _day_end(day: datetime.date, text: str) -> datetime.datetime:
    """The first moment after ``day``."""
    try:
        return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    except OverflowError:
        raise ValueError(
            f"{text!r} is too far in the future: enter a date before 9999-12-31."
        ) from None

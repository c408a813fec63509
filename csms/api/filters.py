"""Query filters shared by every list of the API."""

import datetime

import django_filters
from django import forms


class _StrictBooleanField(forms.Field):
    # Not NullBooleanField: its widget turns any unknown word into "no filter".
    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return {"true": True, "1": True, "false": False, "0": False}[str(value).lower()]
        except KeyError:
            raise forms.ValidationError("Must be true or false.", code="invalid") from None


class BooleanFilter(django_filters.BooleanFilter):
    """true or false (or 1/0); anything else is a 400 rather than silently no filter."""

    field_class = _StrictBooleanField


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the database's range, else a 400.

    NumberFilter's decimals would match id 1 for 1.5, and a huge value would
    overflow SQLite with a 500.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class _UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, handed to the database in UTC.

    ISO 8601 allows offsets PostgreSQL refuses (e.g. -21:16), and a time
    near the end of year 9999 may not exist in UTC at all: both are a 400
    here rather than a database error.
    """

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError("Out of range in UTC.", code="invalid") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcDateTimeField

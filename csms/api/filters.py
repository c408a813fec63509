"""Query filters shared by every list of the API."""

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

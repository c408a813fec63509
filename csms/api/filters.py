"""Query filters shared by every list of the API."""

import datetime

import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


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


_AWARE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


class _Rfc3339Field(_UtcDateTimeField):
    """An RFC 3339 time: with ``Z`` or an offset, never a local time left to guess."""

    def to_python(self, value):
        parsed = super().to_python(value)  # a 400 for what is no time at all
        # The parent made a local time aware in the server's zone: look at what came.
        if parsed is not None and (parse_datetime(value.strip()) or _AWARE).tzinfo is None:
            raise forms.ValidationError(
                _("Give the time with Z or an offset (RFC 3339), e.g. 2026-12-02T19:51:00Z."),
                code="invalid",
            )
        return parsed


class UpdatedAfterFilter(DateTimeFilter):
    """``updated_after``: rows changed at or after this time, oldest change first.

    Inclusive, as OCPI 2.2.1's ``date_from`` (§4.1.3): a sync that asks again
    from the newest change it saw gets that row again rather than missing
    another changed in the same instant. The order is the filter's business
    too (``Ordering``): a sync follows ``next`` to the end and resumes there.
    """

    field_class = _Rfc3339Field

    def __init__(self, field_name: str = "updated_at", **kwargs):
        kwargs.setdefault(
            "help_text",
            "Rows changed at or after this time (RFC 3339); sorts them by time of change, "
            "oldest first, so a sync can follow `next` to the end.",
        )
        super().__init__(field_name=field_name, lookup_expr="gte", **kwargs)


def _updated_after(request, view) -> UpdatedAfterFilter | None:
    filterset = getattr(view, "filterset_class", None)
    if filterset is None:
        return None
    for name, declared in filterset.base_filters.items():
        if isinstance(declared, UpdatedAfterFilter) and request.query_params.get(name):
            return declared
    return None


class Ordering(OrderingFilter):
    """DRF's ``?ordering=``, but ``updated_after`` sorts by time of change, then id.

    Ascending by (change, id) is what lets a sync resume with the cursor;
    another order asked for as well is refused rather than ignored.
    """

    def get_ordering(self, request, queryset, view):
        synced = _updated_after(request, view)
        if synced is None:
            return super().get_ordering(request, queryset, view)
        if request.query_params.get(self.ordering_param):
            message = _("updated_after sorts by time of change; leave out ordering.")
            raise ValidationError({self.ordering_param: [message]}, code="invalid")
        return [synced.field_name, "pk"]

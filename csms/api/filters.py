"""Query filters shared by every list of the API."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from csms.api.problems import Problem


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


def ordering_terms(view) -> list[str]:
    """What ``?ordering=`` takes on ``view``: each of its ordering_fields, ascending or not."""
    fields = getattr(view, "ordering_fields", None) or ()
    if isinstance(fields, str):
        # DRF's "__all__" would offer every column, password hashes included.
        raise ImproperlyConfigured(f"{type(view).__name__}.ordering_fields: name the fields.")
    names = [field if isinstance(field, str) else field[0] for field in fields]
    return [term for name in names for term in (name, f"-{name}")]


class Ordering(OrderingFilter):
    """DRF's ``?ordering=``, strict, and ``updated_after`` sorts by time of change, then id.

    DRF ignores a term it does not know (and, on a view without
    ``ordering_fields``, offers every field of the serializer): a client
    misspelling a field would get the default order and never know. Here a
    view offers exactly its ``ordering_fields``, and any other term is a 400.

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

    def get_valid_fields(self, queryset, view, context=None):
        return [(term, term) for term in ordering_terms(view) if not term.startswith("-")]

    def remove_invalid_fields(self, queryset, fields, view, request):
        allowed = ordering_terms(view)
        invalid = [term for term in fields if term not in allowed]
        if invalid:
            raise Problem(
                _("Cannot order by %(terms)s. Order by one or more of: %(allowed)s.")
                % {
                    "terms": ", ".join(term or '""' for term in invalid),
                    "allowed": ", ".join(allowed),
                },
                code="invalid_ordering",
                terms=invalid,
                allowed=allowed,
            )
        return fields

    def get_schema_operation_parameters(self, view):
        # Also what csms/api/query.py takes as read: no ordering_fields, no ?ordering=.
        allowed = ordering_terms(view)
        if not allowed:
            return []
        default = getattr(view, "ordering", None)
        if isinstance(default, str):
            default = [default]
        description = (
            "The order of the rows: one or more of the terms, comma-separated, the first "
            "deciding; `-` sorts descending. Any other term is a 400 (`invalid_ordering`)."
        )
        if default:
            description += " Default: `" + ",".join(default) + "`."
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "array", "items": {"type": "string", "enum": allowed}},
                "style": "form",
                "explode": False,
            }
        ]

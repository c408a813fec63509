"""Fields every API of the project uses: strict JSON types, OCPI ids, time zones, timestamps.

DRF reads 42 as "42" and "1.5" or true as numbers (leniency meant for HTML
forms). These APIs take JSON, where a wrong type is a client's mistake that
deserves a 400 field error rather than a guess; so every serializer takes its
fields from here (or from ``StrictModelSerializer``), never DRF's lenient ones.
"""

import datetime
import re
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def rfc3339(value: datetime.datetime | None, *, timespec: str = "auto") -> str | None:
    """A moment as every interface shows it: RFC 3339 in UTC with "Z".

    ``2026-12-02T19:51:00Z``, with the microseconds only when there are
    some, whatever TIME_ZONE says: the REST API (DRF's DateTimeField, see
    ``in_utc``), the sockets and OCPI (``timespec="seconds"``) print alike.
    """
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat(timespec=timespec)
    return text.removesuffix("+00:00") + "Z"


@contextmanager
def in_utc() -> Iterator[None]:
    """Serializers inside the block show moments as ``rfc3339`` does.

    DRF's DateTimeField prints a moment in the current time zone, "Z" only
    when that is UTC; the API's middleware (csms.api.middleware) wraps every
    request in this, and code that serializes outside a request (a socket
    sending what the REST API shows) wraps itself.
    """
    with timezone.override(datetime.UTC):
        yield


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated fields take JSON types only."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
        models.CharField: StrictCharField,
        models.FloatField: StrictFloatField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
    }


class StrictManyRelatedField(serializers.ManyRelatedField):
    def to_internal_value(self, data):
        # DRF takes any iterable, so {} would pass for an empty list.
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class OcpiIdRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by OCPI id (a location, a tariff): a string of at most 36 characters.

    Checked before the lookup, so a control character never reaches the
    database (PostgreSQL refuses NUL in text with an error, not a miss).
    """

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return StrictManyRelatedField(**list_kwargs)

    def run_validation(self, data=serializers.empty):
        # DRF reads "" as null (for HTML forms); here null says "none", "" is no id.
        if data == "":
            self.fail("does_not_exist", pk_value=data)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if len(data) > 36 or _CONTROL.search(data):
            self.fail("does_not_exist", pk_value=data[:40])
        return super().to_internal_value(data)


# The names a time zone field accepts. zoneinfo also lists the host's
# "localtime" and "posixrules" files and the placeholder "Factory"; none of
# them is a place.
TIME_ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime", "posixrules"})


# The enum without a line of description per zone, which would only repeat it.
@extend_schema_field({"type": "string", "enum": TIME_ZONES})
class TimeZoneField(serializers.ChoiceField):
    """An IANA time zone name, e.g. "Europe/Berlin"; read as a ``ZoneInfo``.

    Checked against the list rather than by opening the name: ZoneInfo reads
    any relative path it is given ("../../etc/passwd") and fails with errors
    other than "not found".
    """

    default_error_messages = {
        "invalid_choice": "Unknown time zone: use an IANA name such as Europe/Berlin."
    }

    def __init__(self, **kwargs):
        super().__init__(choices=TIME_ZONES, **kwargs)

    def to_internal_value(self, data):
        return zoneinfo.ZoneInfo(super().to_internal_value(data))

    def to_representation(self, value):
        return str(value)


_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def upper_snake(value: str) -> str:
    """An enum value as the API spells it (contract: UPPER_SNAKE_CASE).

    ``timed_out`` -> ``TIMED_OUT``, OCPP's ``ConcurrentTx`` -> ``CONCURRENT_TX``,
    ``TIMED_OUT`` unchanged: the database and OCPP keep their own spelling.
    """
    return _WORD_START.sub("_", value).upper()


class UpperChoiceField(serializers.ChoiceField):
    """A choice stored as ``timed_out`` or ``ConcurrentTx`` as the API spells its enums.

    The database keeps its values; the API shows them in UPPER_SNAKE_CASE
    (``TIMED_OUT``, ``CONCURRENT_TX``) and takes any case.
    """

    def __init__(self, choices, **kwargs):
        self.stored = {upper_snake(str(value)): value for value, _label in choices}
        super().__init__([(upper, upper) for upper in self.stored], **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = upper_snake(data)
        return self.stored[super().to_internal_value(data)]

    def to_representation(self, value):
        return None if value in (None, "") else upper_snake(str(value))


class BlankAsNull:
    """A value the model keeps as "" when unknown, shown as null.

    The API never shows a blank for an unknown enum (or a quoted OCPP name):
    an app tests for null, as everywhere else.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(*args, **kwargs)

    def to_representation(self, value):
        return None if value in (None, "") else super().to_representation(value)


class NullableCharField(BlankAsNull, serializers.CharField):
    pass


class NullableChoiceField(BlankAsNull, serializers.ChoiceField):
    pass

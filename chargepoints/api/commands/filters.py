"""What the command lists can be filtered by: status, command, charger, source, time."""

import django_filters
from django_filters.fields import ChoiceField

from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import Command
from csms.api.filters import DateTimeFilter, UpdatedAfterFilter


class _UpperChoiceField(ChoiceField):
    def to_python(self, value):
        value = super().to_python(value)
        return value.upper() if isinstance(value, str) else value


class _LowerChoiceField(ChoiceField):
    def to_python(self, value):
        value = super().to_python(value)
        return value.lower() if isinstance(value, str) else value


class EnumFilter(django_filters.ChoiceFilter):
    """A stored lower-case choice shown as the API's UPPER_SNAKE_CASE enum; any case in."""

    field_class = _UpperChoiceField

    def __init__(self, *, choices, **kwargs):
        upper = [(value.upper(), label) for value, label in choices]
        super().__init__(choices=upper, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, value.lower() if value else value)


class CommandNameFilter(django_filters.ChoiceFilter):
    """A command's name as POST takes it (``reset``, ``remote_start``); any case in."""

    field_class = _LowerChoiceField


class CommandFilter(django_filters.FilterSet):
    status = EnumFilter(choices=CommandStatus.choices, help_text="How it went.")
    command = CommandNameFilter(
        field_name="name", choices=CommandName.choices, help_text="The command sent."
    )
    source = EnumFilter(choices=CommandSource.choices, help_text="Where it was sent from.")
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = Command
        fields = ["status", "command", "source", "created_after", "created_before"]


class FleetCommandFilter(CommandFilter):
    chargepoint_id = django_filters.CharFilter(
        field_name="chargepoint_id", max_length=255, help_text="One charge point's commands."
    )

    class Meta(CommandFilter.Meta):
        fields = [*CommandFilter.Meta.fields, "chargepoint_id"]

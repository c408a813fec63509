from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from chargepoints.api import help_texts as docs
from chargepoints.api.charging import examples as ex
from chargepoints.commands import CommandInvalid
from chargepoints.commands.fields import ChoiceAliasField
from chargepoints.commands.params import FORMS
from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import Command
from chargepoints.services.command_secrets import command_params_redacted, command_redacted
from csms.api.fields import NullableCharField, UpperChoiceField

# The commands the API sends: all but the charger's password, which only the
# rotation sends (POST .../rotate-password/, chargepoints/commands/security.py).
API_COMMANDS = [name for name in FORMS if name != CommandName.SET_PASSWORD]


def api_command_name(name: str) -> str:
    """A command's name in the API: an enum value, so UPPER_SNAKE_CASE (``RESET``)."""
    return name.upper()


def command_name_from_api(value: str) -> str:
    """The catalogue's name of the command ``value`` names; CommandInvalid when none.

    The catalogue (and the admin and ``manage.py ocpp_command``) say ``reset``;
    the API documents ``RESET`` and, like the catalogue's choices, takes either case.
    """
    name = value.lower()
    if name not in FORMS:
        known = ", ".join(api_command_name(name) for name in API_COMMANDS)
        raise CommandInvalid({"command": [f"Unknown command {value!r}. Known: {known}."]})
    return name


# Every command's name in the API, the password's included (records show it).
COMMAND_NAMES = [api_command_name(name) for name in CommandName.values]
# Statuses and sources as the API spells them (UpperChoiceField); the schema's enums.
COMMAND_STATUSES = [value.upper() for value in CommandStatus.values]
COMMAND_SOURCES = [value.upper() for value in CommandSource.values]


def _params_shown(command: Command) -> dict:
    """The parameters as given, a choice spelled as the API documents it (``SOFT``)."""
    params = command_params_redacted(command)
    form = FORMS.get(command.name)
    fields = form.base_fields if form is not None else {}
    for key, value in params.items():
        field = fields.get(key)
        if isinstance(field, ChoiceAliasField) and isinstance(value, str):
            params[key] = next((d for d in field.documented if d.lower() == value.lower()), value)
    return params


class CommandNameField(serializers.ChoiceField):
    """The command's name, as the API spells it."""

    def __init__(self, **kwargs):
        super().__init__(COMMAND_NAMES, **kwargs)

    def to_representation(self, value: str) -> str:
        return api_command_name(value)


@extend_schema_serializer(examples=ex.COMMAND)
class CommandSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    chargepoint_id = serializers.CharField(read_only=True)
    command = CommandNameField(source="name", read_only=True)
    requested_by = serializers.CharField(
        source="requested_by.username", read_only=True, allow_null=True, default=None
    )
    connector_id = serializers.IntegerField(
        source="connector.connectorid", read_only=True, allow_null=True, default=None
    )
    status = UpperChoiceField(CommandStatus.choices, read_only=True)
    source = UpperChoiceField(CommandSource.choices, read_only=True)
    # Null until the command is sent (the charger's subprotocol).
    ocpp_version = NullableCharField(read_only=True)
    error_code = NullableCharField(read_only=True)
    progress = NullableCharField(read_only=True)
    transaction_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Command
        fields = [
            "id",
            "url",
            "chargepoint_id",
            "command",
            "params",
            "status",
            "action",
            "request",
            "response",
            "error_code",
            "error_description",
            "progress",
            "progress_at",
            "connector_id",
            "transaction_id",
            "requested_by",
            "source",
            "ocpp_version",
            "created_at",
            "sent_at",
            "answered_at",
        ]
        read_only_fields = fields
        help_texts = docs.COMMAND

    def to_representation(self, command: Command) -> dict:
        data = super().to_representation(command)
        # A new password travels in its command: no one is shown it, even in flight.
        data["params"] = _params_shown(command)
        data["request"] = command_redacted(command=command, payload=command.request)
        return data

    def get_url(self, command: Command) -> str:
        return reverse(
            "api:chargepoint-command-detail",
            kwargs={"chargepoint_id": command.chargepoint_id, "pk": command.pk},
            request=self.context.get("request"),
        )

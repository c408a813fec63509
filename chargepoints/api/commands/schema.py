"""The body of POST .../commands/ in the OpenAPI schema: one typed variant per command.

The command catalogue (chargepoints.commands) defines and validates each
command's parameters with a form; this module reads those forms and shows
them as JSON schemas, so the schema cannot drift from what the server takes.
The variants are combined as a oneOf with a discriminator on ``command``,
which a client generator turns into one typed class per command.

Descriptions and examples are documentation only and live here; a form
field's own help_text wins over the shared description of its name.
"""

from django import forms
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent, list_hash
from rest_framework import serializers

from chargepoints.api.commands.serializers import API_COMMANDS, api_command_name
from chargepoints.commands.fields import (
    AnyJSONField,
    ChoiceAliasField,
    DateTimeField,
    ListField,
)
from chargepoints.commands.params import FORMS
from chargepoints.enums import CommandName

# What a parameter means wherever it appears; "<command>.<param>" when it
# means something of its own there.
DESCRIPTIONS = {
    "id_tag": "The id token (RFID uid or app token) the charge is authorized with.",
    "connector_id": "The connector's number on the charge point (1, 2, ...).",
    "transaction_id": "The CSMS's transaction id (the `id` of GET /api/v1/transactions/).",
    "remote_start_id": "Id the charger echoes in its transaction events; generated when empty.",
    "evse_id": "OCPP 2.0.1 EVSE number to reset instead of the whole station.",
    "reset.type": "soft waits for running transactions to end; hard resets at once.",
    "change_availability.type": "Operative to let it charge, Inoperative to take it out.",
    "requested_message": "The message to trigger, e.g. StatusNotification, MeterValues.",
    "vendor_id": "The vendor the data is for (OCPP DataTransfer vendorId).",
    "message_id": "The vendor's message name.",
    "data": "Any vendor data; sent as given.",
    "key": "The OCPP 1.6 configuration key, e.g. HeartbeatInterval.",
    "value": "The key's new value, as text.",
    "variables": "OCPP 2.0.1 device-model variables.",
    "report_base": "Which inventory the charger reports; FullInventory when empty.",
    "component_criteria": "Report components that are in one of these states.",
    "charging_profile_id": "The profile's id on the charger; a new one when empty.",
    "purpose": "OCPP ChargingProfilePurposeType.",
    "kind": "OCPP ChargingProfileKindType; Absolute when empty.",
    "recurrency_kind": "For a Recurring profile: Daily or Weekly.",
    "stack_level": "Priority among the charger's profiles; higher wins.",
    "charging_rate_unit": "A (amperes) or W (watts); A when empty.",
    "periods": "The schedule: limits from each start_period on.",
    "duration": "Seconds the schedule lasts.",
    "start_schedule": "When the schedule starts (RFC 3339).",
    "valid_from": "When the profile starts to apply (RFC 3339).",
    "valid_to": "When the profile stops applying (RFC 3339).",
    "min_charging_rate": "The lowest rate the vehicle charges at, in charging_rate_unit.",
    "charging_profile_ids": "Only these profile ids.",
    "sources": "Only limits set by these sources (OCPP 2.0.1 ChargingLimitSourceEnumType).",
    "expiry_date": "When the reservation ends (RFC 3339, in the future).",
    "reservation_id": "The reservation's OCPP id (reservation_id of GET /api/v1/reservations/).",
    "update_type": "Full replaces the charger's list; Differential adds and removes.",
    "list_version": "The list's new version; the charger's current one plus 1 when empty.",
    "location": "URL the charger downloads from or uploads to.",
    "signing_certificate": "PEM certificate that signed the firmware (signed updates).",
    "signature": "Base64 signature of the firmware (signed updates).",
    "retries": "How often the charger retries.",
    "retry_interval": "Seconds between retries.",
    "start_time": "Oldest diagnostics wanted (RFC 3339).",
    "stop_time": "Newest diagnostics wanted (RFC 3339).",
    "log_type": "Which log; DiagnosticsLog when empty.",
    "oldest_timestamp": "Oldest log entries wanted (RFC 3339).",
    "latest_timestamp": "Newest log entries wanted (RFC 3339).",
    "get_transaction_status.transaction_id": "Ask about this transaction; empty: any queued.",
    "install_date": "When to install (RFC 3339); as soon as downloaded when empty.",
}

# One body per command that the server accepts as it stands, given a charger
# with connector 1, id tag 04E91C5A, an active transaction on connector 1 and
# an active reservation 1234 (tests/chargepoints/test_command_schemas.py).
EXAMPLES = {
    CommandName.REMOTE_START: {"id_tag": "04E91C5A", "connector_id": 1},
    CommandName.REMOTE_STOP: {"connector_id": 1},
    CommandName.RESET: {"type": "HARD"},
    CommandName.UNLOCK_CONNECTOR: {"connector_id": 1},
    CommandName.CHANGE_AVAILABILITY: {"type": "Inoperative", "connector_id": 1},
    CommandName.GET_CONFIGURATION: {"keys": ["HeartbeatInterval", "MeterValueSampleInterval"]},
    CommandName.CHANGE_CONFIGURATION: {"key": "HeartbeatInterval", "value": "300"},
    CommandName.GET_VARIABLES: {"variables": [{"component": "EVSE", "variable": "Power"}]},
    CommandName.SET_VARIABLES: {
        "variables": [
            {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "300"}
        ]
    },
    CommandName.GET_BASE_REPORT: {"report_base": "ConfigurationInventory"},
    CommandName.GET_REPORT: {"component_criteria": ["Problem"]},
    CommandName.TRIGGER_MESSAGE: {"requested_message": "StatusNotification", "connector_id": 1},
    CommandName.CLEAR_CACHE: {},
    CommandName.DATA_TRANSFER: {"vendor_id": "com.example", "message_id": "Ping", "data": "1"},
    CommandName.SET_CHARGING_PROFILE: {
        "purpose": "TxDefaultProfile",
        "connector_id": 0,
        "charging_rate_unit": "A",
        "periods": [{"start_period": 0, "limit": 16}, {"start_period": 3600, "limit": 10}],
    },
    CommandName.CLEAR_CHARGING_PROFILE: {"purpose": "TxDefaultProfile"},
    CommandName.GET_CHARGING_PROFILES: {"purpose": "TxDefaultProfile", "connector_id": 1},
    CommandName.GET_COMPOSITE_SCHEDULE: {"duration": 3600, "connector_id": 1},
    CommandName.RESERVE_NOW: {
        "id_tag": "04E91C5A",
        "expiry_date": "2030-01-01T12:00:00Z",
        "connector_id": 1,
    },
    CommandName.CANCEL_RESERVATION: {"reservation_id": 1234},
    CommandName.SEND_LOCAL_LIST: {"update_type": "Differential", "id_tags": ["04E91C5A"]},
    CommandName.GET_LOCAL_LIST_VERSION: {},
    CommandName.UPDATE_FIRMWARE: {
        "location": "https://firmware.example.com/wallbox-1.2.3.bin",
        "retrieve_date": "2030-01-01T02:00:00Z",
    },
    CommandName.GET_DIAGNOSTICS: {"location": "https://support.example.com/upload/"},
    CommandName.GET_LOG: {"location": "https://support.example.com/upload/", "retries": 3},
    CommandName.GET_TRANSACTION_STATUS: {},
    CommandName.SET_CURRENT_LIMIT: {"limit": 16, "connector_id": 1},
    CommandName.SET_LED_BRIGHTNESS: {"brightness": 40},
}


class CommandBody(serializers.Serializer):
    """Marks the body of POST .../commands/ for the schema; the catalogue validates it."""


def variant_name(name: str) -> str:
    """The component of one command: ``reset`` is ``ResetCommand``."""
    return "".join(part.capitalize() for part in name.split("_")) + "Command"


def field_schema(field: forms.Field) -> dict:
    """The JSON schema of what one of the catalogue's form fields accepts."""
    if isinstance(field, ListField):
        schema = {"type": "array", "items": getattr(field.item, "json_schema", {})}
        if field.max_items is not None:
            schema["maxItems"] = field.max_items
        return schema
    if isinstance(field, AnyJSONField):
        return {}
    if isinstance(field, ChoiceAliasField):
        # Matched ignoring case; OCPP's spelling or the API's casing is documented.
        return {"type": "string", "enum": field.documented}
    if isinstance(field, forms.ChoiceField):
        choices = [(value, label) for value, label in field.choices if value != ""]
        # The hash drf-spectacular gives a model's choices, so that the enum
        # gets the name ENUM_NAME_OVERRIDES gives them (ChargingProfilePurposeEnum).
        return {
            "type": "string",
            "enum": [value for value, _ in choices],
            "x-spec-enum-id": list_hash(choices),
        }
    if isinstance(field, DateTimeField):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, forms.IntegerField | forms.FloatField):
        schema = {"type": "integer" if isinstance(field, forms.IntegerField) else "number"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    if isinstance(field, forms.CharField):
        schema = {"type": "string"}
        if isinstance(field, forms.URLField):
            schema["format"] = "uri"
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        if field.required:
            schema["minLength"] = 1
        return schema
    raise TypeError(f"No JSON schema for {type(field).__name__}: teach field_schema about it.")


def variant_schema(name: str) -> dict:
    form = FORMS[name]
    properties = {
        "command": {
            "type": "string",
            "enum": [api_command_name(name)],
            "description": "Which command: tells the bodies apart.",
        }
    }
    required = ["command"]
    for key, field in form.base_fields.items():
        schema = field_schema(field)
        description = (
            str(field.help_text) or DESCRIPTIONS.get(f"{name}.{key}") or DESCRIPTIONS.get(key)
        )
        if description:
            schema["description"] = description
        properties[key] = schema
        if field.required:
            required.append(key)
    # An unknown parameter is refused (chargepoints.commands.params), so none is allowed here.
    return {
        "type": "object",
        "description": f"{CommandName(name).label}.",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "example": {"command": api_command_name(name), **EXAMPLES[name]},
    }


class CommandBodyExtension(OpenApiSerializerExtension):
    target_class = CommandBody

    def get_name(self, auto_schema, direction):
        return "Command"

    def map_serializer(self, auto_schema, direction):
        mapping = {}
        for name in API_COMMANDS:
            component = ResolvedComponent(
                name=variant_name(name),
                type=ResolvedComponent.SCHEMA,
                object=variant_name(name),
                schema=variant_schema(name),
            )
            auto_schema.registry.register_on_missing(component)
            mapping[api_command_name(name)] = component.ref["$ref"]
        return {
            "oneOf": [{"$ref": ref} for ref in mapping.values()],
            "discriminator": {"propertyName": "command", "mapping": mapping},
        }

"""Configuration keys (1.6), device-model variables and reports (2.0.1), the LED."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from chargepoints.commands import targets
from chargepoints.commands.base import CommandForm
from chargepoints.commands.fields import ChoiceAliasField, ListField, item_schema, text_item


class GetConfigurationForm(CommandForm):
    keys = ListField(item=text_item(50), help_text="Empty: every key.")

    def prepared(self) -> dict:
        return {"keys": self.cleaned_data["keys"]}


# The names a charger is sent are the protocols' identifiers, ASCII only: a
# charger written in Java or .NET may fold other characters to ASCII ones
# (the Turkish dotless i, the long s, a zero-width space dropped), so a name
# that passed the gateway's guard could name what it guards (the charger's
# password). Only ASCII names pass; the guard compares them ignoring case.
# OCPP 1.6 §6.9: a ChangeConfiguration key is a CiString50Type, printable
# ASCII; no whitespace either, which a charger may trim.
CONFIGURATION_KEY = RegexValidator(
    r"\A[!-~]+\Z", "A configuration key is printable ASCII without spaces (OCPP CiString50Type)."
)
# OCPP 2.0.1 part 2, primitive datatypes: component and variable names and
# instances are identifierString.
IDENTIFIER = re.compile(r"[A-Za-z0-9*\-_=:+|@.]+")


class ChangeConfigurationForm(CommandForm):
    key = forms.CharField(max_length=50, validators=[CONFIGURATION_KEY])
    value = forms.CharField(max_length=500, strip=False, empty_value="", required=False)

    def prepared(self) -> dict:
        return {"key": self.cleaned_data["key"], "value": self.cleaned_data["value"]}


ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")


def variable_item(*, with_value: bool):
    """One device-model variable: an object, or ``Component.Variable[=value]`` text."""

    @item_schema(_variable_schema(with_value=with_value))
    def clean(item) -> dict:
        if isinstance(item, str):
            text, _, value = item.partition("=")
            component, dot, variable = text.partition(".")
            if not dot or not component or not variable:
                raise ValidationError("Expected Component.Variable.")
            item = {"component": component, "variable": variable}
            if with_value:
                item["value"] = value
        if not isinstance(item, dict):
            raise ValidationError("Expected an object with component and variable.")
        allowed = {
            "component",
            "component_instance",
            "variable",
            "variable_instance",
            "evse_id",
            "connector_id",
            "attribute_type",
        } | ({"value"} if with_value else set())
        unknown = set(item) - allowed
        if unknown:
            raise ValidationError(f"Unknown key(s): {', '.join(sorted(unknown))}.")
        result = {}
        for key in ("component", "variable"):
            value = item.get(key)
            if not isinstance(value, str) or not value or len(value) > 50:
                raise ValidationError(f"{key} must be a name of 1 to 50 characters.")
            result[key] = _identifier(key, value)
        for key in ("component_instance", "variable_instance"):
            if item.get(key):
                if not isinstance(item[key], str) or len(item[key]) > 50:
                    raise ValidationError(f"{key} must be text of at most 50 characters.")
                result[key] = _identifier(key, item[key])
        for key in ("evse_id", "connector_id"):
            if item.get(key) is not None:
                if not isinstance(item[key], int) or item[key] < 0:
                    raise ValidationError(f"{key} must be a non-negative integer.")
                result[key] = item[key]
        attribute = item.get("attribute_type", "Actual")
        if attribute not in ATTRIBUTE_TYPES:
            raise ValidationError("attribute_type must be Actual, Target, MinSet or MaxSet.")
        result["attribute_type"] = attribute
        if with_value:
            value = item.get("value")
            if isinstance(value, bool | int | float):
                value = str(value).lower() if isinstance(value, bool) else str(value)
            if not isinstance(value, str) or len(value) > 1000:
                raise ValidationError("value must be text of at most 1000 characters.")
            result["value"] = value
        return result

    return clean


def _variable_schema(*, with_value: bool) -> dict:
    """The object form of a variable (the API's); the text form is for the command line."""
    name = {"type": "string", "minLength": 1, "maxLength": 50, "pattern": f"^{IDENTIFIER.pattern}$"}
    properties = {
        "component": {**name, "description": "OCPP 2.0.1 component name, e.g. EVSE."},
        "component_instance": name,
        "variable": {**name, "description": "OCPP 2.0.1 variable name, e.g. Power."},
        "variable_instance": name,
        "evse_id": {"type": "integer", "minimum": 0},
        "connector_id": {"type": "integer", "minimum": 0},
        "attribute_type": {"type": "string", "enum": list(ATTRIBUTE_TYPES), "default": "Actual"},
    }
    required = ["component", "variable"]
    if with_value:
        properties["value"] = {"type": "string", "maxLength": 1000}
        required.append("value")
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _identifier(key: str, value: str) -> str:
    if not IDENTIFIER.fullmatch(value):
        raise ValidationError(
            f"{key} must be an OCPP identifierString: ASCII letters, digits and * - _ = : + | @ ."
        )
    return value


class GetVariablesForm(CommandForm):
    variables = ListField(item=variable_item(with_value=False), required=True)

    def prepared(self) -> dict:
        return {"variables": self.cleaned_data["variables"]}


class SetVariablesForm(CommandForm):
    variables = ListField(item=variable_item(with_value=True), required=True)

    def prepared(self) -> dict:
        return {"variables": self.cleaned_data["variables"]}


class SetLedBrightnessForm(CommandForm):
    brightness = forms.IntegerField(min_value=0, max_value=100, help_text="Percent.")

    def prepared(self) -> dict:
        # Seed 004: the wallbox's LED brightness is ChargingStation.StatusLedBrightness.
        return {
            "brightness": self.cleaned_data["brightness"],
            "variables": [
                {
                    "component": "ChargingStation",
                    "variable": "StatusLedBrightness",
                    "attribute_type": "Actual",
                    "value": str(self.cleaned_data["brightness"]),
                }
            ],
        }


class GetBaseReportForm(CommandForm):
    report_base = ChoiceAliasField(
        required=False,
        aliases={
            "ConfigurationInventory": "ConfigurationInventory",
            "FullInventory": "FullInventory",
            "SummaryInventory": "SummaryInventory",
        },
    )

    def prepared(self) -> dict:
        self.request_id = targets.new_request_id()
        return {
            "report_base": self.cleaned_data.get("report_base") or "FullInventory",
            "request_id": self.request_id,
        }


COMPONENT_CRITERIA = ("Active", "Available", "Enabled", "Problem")


@item_schema({"type": "string", "enum": list(COMPONENT_CRITERIA)})
def _criterion(value) -> str:
    if value not in COMPONENT_CRITERIA:
        raise ValidationError(f"Must be one of {', '.join(COMPONENT_CRITERIA)}.")
    return value


class GetReportForm(CommandForm):
    component_criteria = ListField(item=_criterion, max_items=4)
    variables = ListField(item=variable_item(with_value=False))

    def clean(self):
        data = super().clean()
        neither = not data.get("component_criteria") and not data.get("variables")
        if neither and not {"component_criteria", "variables"} & set(self.errors):
            raise ValidationError("Name component_criteria, variables or both.")
        return data

    def prepared(self) -> dict:
        self.request_id = targets.new_request_id()
        return {**super().prepared(), "request_id": self.request_id}


# -- smart charging ------------------------------------------------------------

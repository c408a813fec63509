"""Charging profiles, the seed 004 current limit, composite schedules."""

from django import forms
from django.core.exceptions import ValidationError

from chargepoints.commands import targets
from chargepoints.commands.base import CommandForm, connector_field
from chargepoints.commands.fields import DateTimeField, ListField, item_schema
from chargepoints.enums import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    ChargingRateUnit,
    RecurrencyKind,
)
from chargepoints.models import ChargingProfile

# Seed 004: the BMW wallbox takes 6 to 32 A, and 0 pauses charging.
CURRENT_LIMIT_MIN_A = 6
CURRENT_LIMIT_MAX_A = 32


@item_schema(
    {
        "type": "object",
        "properties": {
            "start_period": {
                "type": "integer",
                "minimum": 0,
                "description": "Seconds from the schedule's start; the first period starts at 0.",
            },
            "limit": {
                "type": "number",
                "minimum": 0,
                "description": "The limit, in the schedule's charging_rate_unit.",
            },
            "number_phases": {"type": "integer", "enum": [1, 2, 3]},
        },
        "required": ["start_period", "limit"],
    }
)
def period_item(item) -> dict:
    if not isinstance(item, dict):
        raise ValidationError("Expected {start_period, limit, number_phases}.")
    start, limit = item.get("start_period"), item.get("limit")
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise ValidationError("start_period must be a non-negative integer (seconds).")
    if not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 0:
        raise ValidationError("limit must be a non-negative number.")
    period = {"start_period": start, "limit": limit}
    phases = item.get("number_phases")
    if phases is not None:
        if phases not in (1, 2, 3):
            raise ValidationError("number_phases must be 1, 2 or 3.")
        period["number_phases"] = phases
    return period


class SetChargingProfileForm(CommandForm):
    profile = forms.IntegerField(
        required=False, help_text="Id (pk) of a saved profile to install instead of the fields."
    )
    charging_profile_id = forms.IntegerField(required=False, min_value=1)
    connector_id = connector_field(help_text="0 or empty: the whole charge point.")
    transaction_id = forms.IntegerField(required=False, min_value=1)
    purpose = forms.ChoiceField(choices=ChargingProfilePurpose.choices, required=False)
    kind = forms.ChoiceField(choices=ChargingProfileKind.choices, required=False)
    recurrency_kind = forms.ChoiceField(choices=RecurrencyKind.choices, required=False)
    stack_level = forms.IntegerField(required=False, min_value=0)
    charging_rate_unit = forms.ChoiceField(choices=ChargingRateUnit.choices, required=False)
    periods = ListField(item=period_item)
    duration = forms.IntegerField(required=False, min_value=1)
    start_schedule = DateTimeField(required=False)
    valid_from = DateTimeField(required=False)
    valid_to = DateTimeField(required=False)
    min_charging_rate = forms.FloatField(required=False, min_value=0)

    def clean(self):
        data = super().clean()
        saved = data.get("profile")
        if saved is not None:
            template = ChargingProfile.objects.filter(pk=saved).first()
            if template is None:
                self.add_error("profile", f"No saved charging profile {saved}.")
                return data
            for key, value in profile_fields(template).items():
                if data.get(key) in (None, "", []):
                    data[key] = value
        # A field that failed its own validation already says why.
        failed = set(self.errors)
        if not data.get("purpose") and "purpose" not in failed:
            self.add_error("purpose", "This field is required.")
        periods = data.get("periods")
        if not periods and "periods" not in failed:
            self.add_error("periods", "At least one period is required.")
        elif periods and periods[0]["start_period"] != 0:
            # OCPP 1.6 §7.9 / 2.0.1 K01.FR.31: the first period starts at 0.
            self.add_error("periods", "The first period must start at 0.")
        if (
            data.get("kind") == ChargingProfileKind.RECURRING
            and not data.get("recurrency_kind")
            and "recurrency_kind" not in failed
        ):
            self.add_error("recurrency_kind", "A Recurring profile needs a recurrency kind.")
        if (
            data.get("purpose") == ChargingProfilePurpose.TX_PROFILE
            and not data.get("connector_id")
            and "connector_id" not in failed
        ):
            self.add_error("connector_id", "A TxProfile applies to one connector.")
        return data

    def prepared(self) -> dict:
        data = self.cleaned_data
        params = profile_params(
            charging_profile_id=data.get("charging_profile_id")
            or targets.profile_id_new(self.chargepoint),
            purpose=data["purpose"],
            kind=data.get("kind") or ChargingProfileKind.ABSOLUTE,
            stack_level=data.get("stack_level") if data.get("stack_level") is not None else 0,
            charging_rate_unit=data.get("charging_rate_unit") or ChargingRateUnit.AMPERE,
            periods=data["periods"],
        )
        for key in ("recurrency_kind", "duration", "min_charging_rate"):
            if data.get(key) not in (None, ""):
                params[key] = data[key]
        for key in ("start_schedule", "valid_from", "valid_to"):
            if data.get(key):
                params[key] = targets.iso(data[key])
        params.update(self.connector_address(data.get("connector_id")))
        if data["purpose"] == ChargingProfilePurpose.TX_PROFILE:
            # OCPP 1.6 §5.16.3 / 2.0.1 K01.FR.03: a TxProfile belongs to a running transaction.
            tx = self.active_transaction()
            if tx is not None:
                params.update(targets.transaction_target(tx))
        return params


def profile_params(
    *, charging_profile_id, purpose, kind, stack_level, charging_rate_unit, periods
) -> dict:
    return {
        "charging_profile_id": charging_profile_id,
        "purpose": purpose,
        "kind": kind,
        "stack_level": stack_level,
        "charging_rate_unit": charging_rate_unit,
        "periods": periods,
    }


def profile_fields(template: ChargingProfile) -> dict:
    """A saved profile's schedule as form values (a template an operator reuses)."""
    return {
        "purpose": template.chargingprofile_purpose,
        "kind": template.chargingprofile_kind,
        "recurrency_kind": template.recurrency_kind,
        "stack_level": template.stack_level,
        "charging_rate_unit": template.charging_rate_unit,
        "periods": [period_item(period) for period in template.chargingschedule_period],
        "duration": template.duration,
        "start_schedule": template.start_schedule,
        "valid_from": template.valid_from,
        "valid_to": template.valid_to,
        "min_charging_rate": float(template.min_charging_rate)
        if template.min_charging_rate is not None
        else None,
    }


class SetCurrentLimitForm(CommandForm):
    limit = forms.FloatField(help_text="Amperes: 0 pauses charging, else 6 to 32.")
    connector_id = connector_field(min_value=1)
    transaction_id = forms.IntegerField(required=False, min_value=1)

    def clean_limit(self):
        limit = self.cleaned_data["limit"]
        if limit != 0 and not CURRENT_LIMIT_MIN_A <= limit <= CURRENT_LIMIT_MAX_A:
            raise ValidationError(
                f"The limit is 0 (pause) or {CURRENT_LIMIT_MIN_A} to {CURRENT_LIMIT_MAX_A} A."
            )
        return limit

    def prepared(self) -> dict:
        tx = self.active_transaction()
        if tx is None:
            return {}
        limit = self.cleaned_data["limit"]
        return {
            "limit": limit,
            **profile_params(
                charging_profile_id=targets.tx_profile_id(self.chargepoint, tx),
                purpose=ChargingProfilePurpose.TX_PROFILE,
                kind=ChargingProfileKind.ABSOLUTE,
                stack_level=1,
                charging_rate_unit=ChargingRateUnit.AMPERE,
                periods=[{"start_period": 0, "limit": int(limit) if limit.is_integer() else limit}],
            ),
            **targets.transaction_target(tx),
        }


class ClearChargingProfileForm(CommandForm):
    charging_profile_id = forms.IntegerField(required=False, min_value=1)
    connector_id = connector_field()
    purpose = forms.ChoiceField(choices=ChargingProfilePurpose.choices, required=False)
    stack_level = forms.IntegerField(required=False, min_value=0)

    def prepared(self) -> dict:
        data = self.cleaned_data
        params = super().prepared()
        if data.get("connector_id") is not None:
            params.update(self.connector_address(data["connector_id"]))
        return params


class GetChargingProfilesForm(CommandForm):
    connector_id = connector_field()
    purpose = forms.ChoiceField(choices=ChargingProfilePurpose.choices, required=False)
    stack_level = forms.IntegerField(required=False, min_value=0)
    charging_profile_ids = ListField(item=lambda value: _positive_int(value))
    sources = ListField(item=lambda value: _limit_source(value), max_items=4)

    def prepared(self) -> dict:
        params = super().prepared()
        if self.cleaned_data.get("connector_id") is not None:
            params.update(self.connector_address(self.cleaned_data["connector_id"]))
        self.request_id = targets.new_request_id()
        params["request_id"] = self.request_id
        return {key: value for key, value in params.items() if value != []}


@item_schema({"type": "integer", "minimum": 1})
def _positive_int(value) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError("Expected a positive integer.")
    return value


# OCPP 2.0.1 ChargingLimitSourceEnumType.
LIMIT_SOURCES = ("EMS", "Other", "SO", "CSO")


@item_schema({"type": "string", "enum": list(LIMIT_SOURCES)})
def _limit_source(value) -> str:
    if value not in LIMIT_SOURCES:
        raise ValidationError(f"Must be one of {', '.join(LIMIT_SOURCES)}.")
    return value


class GetCompositeScheduleForm(CommandForm):
    duration = forms.IntegerField(min_value=1, help_text="Seconds.")
    connector_id = connector_field(help_text="0 or empty: the whole charge point.")
    charging_rate_unit = forms.ChoiceField(choices=ChargingRateUnit.choices, required=False)

    def prepared(self) -> dict:
        data = self.cleaned_data
        params = {"duration": data["duration"], **self.connector_address(data.get("connector_id"))}
        if data.get("charging_rate_unit"):
            params["charging_rate_unit"] = data["charging_rate_unit"]
        return params


# -- reservations and local lists --------------------------------------------

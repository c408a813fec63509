"""The parameters of every command: validated, then resolved against the database.

Each command has a form whose fields are its snake_case parameters. A
form's ``prepared()`` gives the version-neutral values the gateway builds
the OCPP call from; they are stored with the command as its ``params``.
"""

from django import forms

from chargepoints.commands import (
    authorization,
    configuration,
    maintenance,
    security,
    smart_charging,
    station,
)
from chargepoints.commands.base import CommandForm, CommandInvalid, PreparedCommand
from chargepoints.enums import CommandName
from chargepoints.models import ChargePoint

FORMS: dict[str, type[CommandForm]] = {
    CommandName.REMOTE_START: station.RemoteStartForm,
    CommandName.REMOTE_STOP: station.RemoteStopForm,
    CommandName.RESET: station.ResetForm,
    CommandName.UNLOCK_CONNECTOR: station.UnlockConnectorForm,
    CommandName.CHANGE_AVAILABILITY: station.ChangeAvailabilityForm,
    CommandName.GET_CONFIGURATION: configuration.GetConfigurationForm,
    CommandName.CHANGE_CONFIGURATION: configuration.ChangeConfigurationForm,
    CommandName.GET_VARIABLES: configuration.GetVariablesForm,
    CommandName.SET_VARIABLES: configuration.SetVariablesForm,
    CommandName.GET_BASE_REPORT: configuration.GetBaseReportForm,
    CommandName.GET_REPORT: configuration.GetReportForm,
    CommandName.TRIGGER_MESSAGE: station.TriggerMessageForm,
    CommandName.CLEAR_CACHE: station.NoParamsForm,
    CommandName.DATA_TRANSFER: station.DataTransferForm,
    CommandName.SET_CHARGING_PROFILE: smart_charging.SetChargingProfileForm,
    CommandName.CLEAR_CHARGING_PROFILE: smart_charging.ClearChargingProfileForm,
    CommandName.GET_CHARGING_PROFILES: smart_charging.GetChargingProfilesForm,
    CommandName.GET_COMPOSITE_SCHEDULE: smart_charging.GetCompositeScheduleForm,
    CommandName.RESERVE_NOW: authorization.ReserveNowForm,
    CommandName.CANCEL_RESERVATION: authorization.CancelReservationForm,
    CommandName.SEND_LOCAL_LIST: authorization.SendLocalListForm,
    CommandName.GET_LOCAL_LIST_VERSION: station.NoParamsForm,
    CommandName.UPDATE_FIRMWARE: maintenance.UpdateFirmwareForm,
    CommandName.GET_DIAGNOSTICS: maintenance.GetDiagnosticsForm,
    CommandName.GET_LOG: maintenance.GetLogForm,
    CommandName.GET_TRANSACTION_STATUS: maintenance.GetTransactionStatusForm,
    CommandName.SET_CURRENT_LIMIT: smart_charging.SetCurrentLimitForm,
    CommandName.SET_LED_BRIGHTNESS: configuration.SetLedBrightnessForm,
    CommandName.SET_PASSWORD: security.SetPasswordForm,
}


def command_prepare(*, chargepoint: ChargePoint, name: str, params: dict) -> PreparedCommand:
    """Validate a command's parameters and resolve its targets; CommandInvalid if they are wrong."""
    if name not in FORMS:
        raise CommandInvalid(
            {"command": [f"Unknown command {name!r}. Known: {', '.join(sorted(FORMS))}."]}
        )
    form_class = FORMS[name]
    if not isinstance(params, dict):
        raise CommandInvalid({"params": ["Expected an object of parameters."]})
    unknown = sorted(set(params) - set(form_class.base_fields))
    if unknown:
        raise CommandInvalid({key: ["Unknown parameter."] for key in unknown})
    form = form_class(params, chargepoint=chargepoint)
    if not form.is_valid():
        raise CommandInvalid(_errors(form))
    values = form.prepared()
    if form.errors:
        raise CommandInvalid(_errors(form))
    return PreparedCommand(
        name=name,
        params=values,
        connector=form.connector,
        transaction=form.transaction,
        request_id=form.request_id,
    )


def _errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if key == "__all__" else key): list(messages)
        for key, messages in form.errors.items()
    }

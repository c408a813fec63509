"""Starting and stopping, reset, unlock, availability, triggers, vendor data."""

from django import forms

from chargepoints.commands import targets
from chargepoints.commands.base import CommandForm, connector_field
from chargepoints.commands.fields import AnyJSONField, ChoiceAliasField


class RemoteStartForm(CommandForm):
    id_tag = forms.CharField(max_length=36)
    connector_id = connector_field(min_value=1)
    remote_start_id = forms.IntegerField(required=False, min_value=1)

    def prepared(self) -> dict:
        data = self.cleaned_data
        params = targets.idtag_target(data["id_tag"])
        if data.get("connector_id"):
            params.update(self.connector_address(data["connector_id"]))
        # OCPP 2.0.1 F01.FR.01: every RequestStartTransaction carries a
        # remoteStartId, which the TransactionEvent then echoes.
        params["remote_start_id"] = data.get("remote_start_id") or targets.new_request_id()
        return params


class RemoteStopForm(CommandForm):
    transaction_id = forms.IntegerField(required=False, min_value=1)
    connector_id = connector_field(min_value=1)

    def prepared(self) -> dict:
        tx = self.active_transaction()
        return targets.transaction_target(tx) if tx is not None else {}


# -- the station -------------------------------------------------------------


class ResetForm(CommandForm):
    # OCPP 1.6 Soft/Hard are 2.0.1 OnIdle/Immediate (seed 004 uses the latter).
    # The API documents HARD and SOFT (its enum casing); any case is taken.
    type = ChoiceAliasField(
        required=False,
        aliases={
            "soft": "soft",
            "onidle": "soft",
            "hard": "hard",
            "immediate": "hard",
        },
        documented=["HARD", "SOFT"],
    )
    evse_id = forms.IntegerField(required=False, min_value=1)

    def prepared(self) -> dict:
        params = super().prepared()
        params.setdefault("type", "soft")
        return params


class UnlockConnectorForm(CommandForm):
    connector_id = forms.IntegerField(min_value=1)

    def prepared(self) -> dict:
        return self.connector_address(self.cleaned_data["connector_id"])


class ChangeAvailabilityForm(CommandForm):
    type = ChoiceAliasField(
        aliases={
            "operative": "Operative",
            "available": "Operative",
            "inoperative": "Inoperative",
            "unavailable": "Inoperative",
        }
    )
    connector_id = connector_field(help_text="0 or empty: the whole charge point.")

    def prepared(self) -> dict:
        data = self.cleaned_data
        return {"type": data["type"], **self.connector_address(data.get("connector_id"))}


class TriggerMessageForm(CommandForm):
    requested_message = forms.CharField(max_length=50)
    connector_id = connector_field(min_value=1)

    def prepared(self) -> dict:
        data = self.cleaned_data
        params = {"requested_message": data["requested_message"]}
        if data.get("connector_id"):
            params.update(self.connector_address(data["connector_id"]))
        return params


class NoParamsForm(CommandForm):
    pass


class DataTransferForm(CommandForm):
    vendor_id = forms.CharField(max_length=255)
    message_id = forms.CharField(max_length=50, required=False)
    data = AnyJSONField()

    def prepared(self) -> dict:
        data = self.cleaned_data
        params = {"vendor_id": data["vendor_id"]}
        if data.get("message_id"):
            params["message_id"] = data["message_id"]
        if data.get("data") is not None:
            params["data"] = data["data"]
        return params


# -- configuration -----------------------------------------------------------

"""Firmware, diagnostics and logs, transaction status."""

from django import forms
from django.utils import timezone

from chargepoints.commands import targets
from chargepoints.commands.base import CommandForm, retries_field
from chargepoints.commands.fields import ChoiceAliasField, DateTimeField


class UpdateFirmwareForm(CommandForm):
    location = forms.URLField(max_length=512, assume_scheme="https")
    retrieve_date = DateTimeField(required=False, help_text="Empty: now.")
    install_date = DateTimeField(required=False)
    signing_certificate = forms.CharField(max_length=5500, required=False)
    signature = forms.CharField(max_length=800, required=False)
    retries = retries_field()
    retry_interval = retries_field()

    def prepared(self) -> dict:
        data = self.cleaned_data
        params = super().prepared()
        params["retrieve_date"] = targets.iso(data.get("retrieve_date") or timezone.now())
        if data.get("install_date"):
            params["install_date"] = targets.iso(data["install_date"])
        self.request_id = targets.new_request_id()
        params["request_id"] = self.request_id
        return params


class GetDiagnosticsForm(CommandForm):
    location = forms.URLField(max_length=512, assume_scheme="https")
    start_time = DateTimeField(required=False)
    stop_time = DateTimeField(required=False)
    retries = retries_field()
    retry_interval = retries_field()

    def prepared(self) -> dict:
        params = super().prepared()
        for key in ("start_time", "stop_time"):
            if key in params:
                params[key] = targets.iso(params[key])
        return params


class GetLogForm(CommandForm):
    location = forms.URLField(max_length=512, assume_scheme="https")
    log_type = ChoiceAliasField(
        required=False,
        aliases={"DiagnosticsLog": "DiagnosticsLog", "SecurityLog": "SecurityLog"},
    )
    oldest_timestamp = DateTimeField(required=False)
    latest_timestamp = DateTimeField(required=False)
    retries = retries_field()
    retry_interval = retries_field()

    def prepared(self) -> dict:
        params = super().prepared()
        params.setdefault("log_type", "DiagnosticsLog")
        for key in ("oldest_timestamp", "latest_timestamp"):
            if key in params:
                params[key] = targets.iso(params[key])
        self.request_id = targets.new_request_id()
        params["request_id"] = self.request_id
        return params


class GetTransactionStatusForm(CommandForm):
    transaction_id = forms.IntegerField(required=False, min_value=1)

    def prepared(self) -> dict:
        transaction_id = self.cleaned_data.get("transaction_id")
        if transaction_id is None:
            return {}
        tx = self.chargepoint.transactions.filter(pk=transaction_id).select_related("connector")
        tx = tx.first()
        if tx is None:
            self.add_error(
                "transaction_id",
                f"Charge point {self.chargepoint.pk} has no transaction {transaction_id}.",
            )
            return {}
        self.transaction = tx
        return targets.transaction_target(tx)

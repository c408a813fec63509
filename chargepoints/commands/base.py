"""What every command's parameter form shares."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from chargepoints.commands import targets
from chargepoints.models import ChargePoint, Connector, Transaction


class CommandInvalid(Exception):
    """Parameters that must not be sent, with the reason per field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{key}: {' '.join(value)}" for key, value in errors.items()))
        self.errors = errors


@dataclass
class PreparedCommand:
    name: str
    params: dict
    connector: Connector | None = None
    transaction: Transaction | None = None
    request_id: int | None = None


class CommandForm(forms.Form):
    """A command's parameters. ``prepared()`` runs after ``is_valid()``."""

    def __init__(self, data: dict, *, chargepoint: ChargePoint):
        super().__init__(data)
        self.chargepoint = chargepoint
        self.connector: Connector | None = None
        self.transaction: Transaction | None = None
        self.request_id: int | None = None

    def prepared(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}

    def connector_address(self, connector_id: int | None) -> dict:
        """The connector's number and 2.0.1 EVSE address; it becomes the command's target."""
        address = self.resolve(
            "connector_id", lambda: targets.connector_target(self.chargepoint, connector_id)
        )
        if connector_id:
            self.connector = self.chargepoint.connectors.filter(connectorid=connector_id).first()
        return address or {}

    def active_transaction(self) -> Transaction | None:
        """The active transaction named by transaction_id or connector_id (or the only one)."""
        data = self.cleaned_data
        tx = self.resolve(
            "transaction_id",
            lambda: targets.active_transaction(
                self.chargepoint,
                transaction_id=data.get("transaction_id"),
                connector_id=data.get("connector_id"),
            ),
        )
        if tx is not None:
            self.transaction = tx
            self.connector = tx.connector or self.connector
        return tx

    def resolve(self, key: str, resolver):
        """Run a database lookup; its ValidationError becomes an error on ``key``."""
        try:
            return resolver()
        except ValidationError as error:
            self.add_error(key, error)
            return None


def connector_field(**kwargs) -> forms.IntegerField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("min_value", 0)
    return forms.IntegerField(**kwargs)


def retries_field() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0)

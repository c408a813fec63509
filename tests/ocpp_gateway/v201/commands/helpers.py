"""OCPP 2.0.1 command tests: what to expect on the wire and in the records."""

import datetime

import pytest

from chargepoints.commands import CommandInvalid
from chargepoints.models import Command
from tests.ocpp_gateway.command_helpers import command_issue

TX_ID = "bmw-tx-7f3a"


def refused(chargepoint, name: str, params: dict) -> dict[str, list[str]]:
    """The field errors of a command that must not be sent; nothing may be recorded."""
    with pytest.raises(CommandInvalid) as caught:
        command_issue(chargepoint, name, params)
    assert not Command.objects.exists()
    return caught.value.errors


def iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

"""The command transport: how the domain hands a command to whatever reaches chargers.

The charging domain decides what a command is, records it and follows its
answer, but it knows no OCPP version and no connection (docs/architecture.md,
"The command transport"). The gateway registers its transport when Django
starts (``ocpp_gateway.apps``); the domain only learns whether a connection
took the command.
"""

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from chargepoints.commands import PreparedCommand
from chargepoints.models import ChargePoint, Command


class CommandTransport(Protocol):
    def supports(self, *, chargepoint: ChargePoint, name: str) -> bool:
        """Whether the charger's protocol has this command (unknown protocol: assume so)."""

    def translate(self, *, chargepoint: ChargePoint, prepared: PreparedCommand) -> tuple[str, dict]:
        """The message and payload the charger will get, ``("", {})`` for an unknown protocol.

        Raises CommandInvalid when the charger's protocol cannot carry it.
        """

    def send(self, *, command: Command, wait: float) -> bool:
        """Hand a recorded command to the charger's connection; False when none took it.

        Waits up to ``wait`` seconds for the answer, which the connection records.
        """

    def dispatch(self, *, command: Command) -> None:
        """Hand a recorded command to the charger's connection without waiting at all.

        Whether a connection took it shows in the record only.
        """


_registered: list[CommandTransport] = []


def command_transport_register(transport: CommandTransport) -> None:
    """Make ``transport`` the one commands go through (the last registered wins)."""
    _registered[:] = [transport]


def command_transport() -> CommandTransport:
    if not _registered:
        raise ImproperlyConfigured(
            "No command transport is registered: is ocpp_gateway in INSTALLED_APPS?"
        )
    return _registered[0]

"""Charger commands, version-neutral: their parameters, targets and effects.

The command transport the gateway registers turns a prepared command into
the OCPP call of the charger's version (chargepoints.services.command_transport);
nothing here knows a version.
"""

from chargepoints.commands.params import CommandInvalid, PreparedCommand, command_prepare

__all__ = ["CommandInvalid", "PreparedCommand", "command_prepare"]

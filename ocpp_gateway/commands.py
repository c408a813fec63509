"""The gateway's command transport: OCPP calls to chargers wherever they are connected.

The domain's ``command_request`` (chargepoints.services.commands) validates and
records a command, then hands it to the transport registered at start-up
(``ocpp_gateway.apps``): this one. It builds the OCPP call of the charger's
version and routes the command through the channel layer to the charger's
group; the connection holding the charger, in whichever server process, sends
the call and records the answer (``GatewayAdapter.command_start``).
"""

import asyncio
import contextlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from chargepoints.commands import CommandInvalid, PreparedCommand
from chargepoints.enums import OcppProtocol
from chargepoints.models import ChargePoint, Command
from ocpp_gateway.admission import group_name
from ocpp_gateway.protocol import FrameError, validate_payload
from ocpp_gateway.v16 import commands as v16
from ocpp_gateway.v201 import commands as v201

# Subprotocol -> (translation, schema version). OCPP 2.1 chargers take the
# 2.0.1 commands, checked against the 2.1 schemas.
logger = logging.getLogger(__name__)

TRANSLATIONS = {
    OcppProtocol.OCPP16: (v16, "1.6"),
    OcppProtocol.OCPP201: (v201, "2.0.1"),
    OcppProtocol.OCPP21: (v201, "2.1"),
}


def request_build(*, protocol: str, prepared: PreparedCommand) -> tuple[str, dict]:
    """The OCPP action and payload for this charger's version; CommandInvalid if it has none."""
    module, schema_version = TRANSLATIONS[protocol]
    action, payload = module.build(prepared.name, prepared.params)
    try:
        validate_payload(
            message_type_id=2, action=action, payload=payload, ocpp_version=schema_version
        )
    except FrameError as error:
        # Our forms should have caught it; never send what the schema forbids.
        raise CommandInvalid(
            {"non_field_errors": [f"Not a valid OCPP {schema_version} {action}: {error}"]}
        ) from None
    return action, payload


class ChannelLayerTransport:
    """The command transport of the domain (chargepoints.services.command_transport).

    Translates a prepared command into the OCPP call of the charger's version
    and routes it through the channel layer to the connection holding it.
    """

    def supports(self, *, chargepoint: ChargePoint, name: str) -> bool:
        # A charger that never said its version: assume it has the command.
        if chargepoint.ocpp_version not in TRANSLATIONS:
            return True
        return name in TRANSLATIONS[chargepoint.ocpp_version][0].BUILDERS

    def translate(self, *, chargepoint: ChargePoint, prepared: PreparedCommand) -> tuple[str, dict]:
        if chargepoint.ocpp_version not in TRANSLATIONS:
            # Never connected: the record says offline and nothing is sent.
            return "", {}
        return request_build(protocol=chargepoint.ocpp_version, prepared=prepared)

    def send(self, *, command: Command, wait: float) -> bool:
        return async_to_sync(command_route)(
            command_id=command.pk,
            chargepoint_id=command.chargepoint_id,
            connection_id=command.chargepoint.connection_id,
            wait=wait,
        )

    def dispatch(self, *, command: Command) -> None:
        # No reply channel: nobody waits, and the connection that takes the
        # command is free to do so once the message it is handling is answered.
        try:
            async_to_sync(get_channel_layer().group_send)(
                group_name(command.chargepoint_id),
                {
                    "type": "command.send",
                    "command": command.pk,
                    "connection": command.chargepoint.connection_id,
                },
            )
        except Exception:
            # Recorded all the same: the process sweep ends a command no one took.
            logger.exception("Command %s to %s not handed over", command.pk, command.chargepoint_id)


async def command_route(
    *, command_id: int, chargepoint_id: str, connection_id: str, wait: float
) -> bool:
    """Hand a command to the charger's connection; False when no connection took it."""
    layer = get_channel_layer()
    reply_to = await layer.new_channel("command-reply.")
    # Only the connection the database names as live takes it, so a replaced
    # connection still closing never sends a second copy.
    await layer.group_send(
        group_name(chargepoint_id),
        {
            "type": "command.send",
            "command": command_id,
            "connection": connection_id,
            "reply_to": reply_to,
        },
    )
    try:
        await asyncio.wait_for(layer.receive(reply_to), settings.CSMS_COMMAND_ACK_TIMEOUT)
    except TimeoutError:
        return False
    # If the charger has not answered by then, the caller reads the record later.
    if wait > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(layer.receive(reply_to), wait)
    return True

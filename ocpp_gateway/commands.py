"""Sending commands to chargers wherever they are connected.

``command_request`` is what interfaces call (API views, admin actions, the
``ocpp_command`` management command). It validates, records, and routes the
command through the channel layer to the charger's group; the connection
holding the charger, in whichever server process, sends the OCPP call and
records the answer (``GatewayAdapter.command_start``). The caller waits a
while for it and otherwise reads the record later.
"""

import asyncio
import contextlib

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from chargepoints.commands import CommandInvalid, PreparedCommand, command_prepare
from chargepoints.enums import CommandStatus
from chargepoints.models import ChargePoint, Command
from chargepoints.services.commands import command_create, command_mark_offline
from ocpp_gateway.admission import group_name
from ocpp_gateway.protocol import FrameError, validate_payload
from ocpp_gateway.v16 import commands as v16
from ocpp_gateway.v201 import commands as v201

# Subprotocol -> (translation, schema version). OCPP 2.1 chargers take the
# 2.0.1 commands, checked against the 2.1 schemas.
TRANSLATIONS = {
    "ocpp1.6": (v16, "1.6"),
    "ocpp2.0.1": (v201, "2.0.1"),
    "ocpp2.1": (v201, "2.1"),
}


def command_supported(*, chargepoint: ChargePoint, name: str) -> bool:
    """Whether the charger's last negotiated version has this command (unknown: assume so)."""
    if chargepoint.ocpp_version not in TRANSLATIONS:
        return True
    return name in TRANSLATIONS[chargepoint.ocpp_version][0].BUILDERS


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


def command_request(
    *,
    chargepoint_id: str,
    name: str,
    params: dict,
    source: str,
    requested_by=None,
    wait: float | None = None,
) -> Command:
    """Validate, record and send a command; wait up to ``wait`` seconds for its answer.

    Raises ChargePoint.DoesNotExist and CommandInvalid; a charger that is not
    connected gives a record in the ``charger_offline`` state, not an error.
    """
    chargepoint = ChargePoint.objects.get(pk=chargepoint_id)
    prepared = command_prepare(chargepoint=chargepoint, name=name, params=params)
    action, request = "", {}
    if chargepoint.ocpp_version in TRANSLATIONS:
        action, request = request_build(protocol=chargepoint.ocpp_version, prepared=prepared)
    command = command_create(
        chargepoint=chargepoint,
        prepared=prepared,
        action=action,
        request=request,
        source=source,
        requested_by=requested_by,
    )
    if command.status == CommandStatus.PENDING:
        taken = async_to_sync(command_route)(
            command_id=command.pk,
            chargepoint_id=chargepoint.pk,
            connection_id=chargepoint.connection_id,
            wait=settings.CSMS_COMMAND_WAIT if wait is None else wait,
        )
        if not taken:
            command_mark_offline(
                command_id=command.pk,
                reason="No server process holds a connection to this charge point.",
            )
        command.refresh_from_db()
    return command


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

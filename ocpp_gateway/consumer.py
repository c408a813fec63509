"""The WebSocket consumer: admission and transport, no OCPP of its own.

docs/architecture.md rule 4.
"""

import asyncio
import logging
import time

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chargepoints.services.admission import chargepoint_admit, chargepoint_password_checked
from chargepoints.services.connections import (
    Connection,
    PasswordMatch,
    chargepoint_disconnected,
    chargepoint_password_verdict,
)
from csms.clients import scope_client_address
from csms.process import PROCESS_ID
from ocpp_gateway.admission import (
    basic_auth_password,
    chargepoint_id_from_path,
    group_name,
    handshake_credentials,
    negotiate_subprotocol,
    origin_refused,
)
from ocpp_gateway.db import gateway_db
from ocpp_gateway.flood import CLOSE_FLOODED
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v21.adapter import ChargePoint21
from ocpp_gateway.v201.adapter import ChargePoint201

logger = logging.getLogger(__name__)

ADAPTERS = {
    adapter.subprotocol: adapter for adapter in (ChargePoint16, ChargePoint201, ChargePoint21)
}

# WebSocket close code for a connection taken over by a newer one (RFC 6455 §7.4.1).
CLOSE_REPLACED = 4000
# Closed because an operator changed the charger's security terms.
CLOSE_REVOKED = 4003


class OcppConsumer(AsyncWebsocketConsumer):
    """One charger connection. Per-connection state only; shared state lives in the database."""

    chargepoint_id: str | None = None
    connected_at: int = 0
    adapter = None

    async def connect(self):
        scope = self.scope
        chargepoint_id = chargepoint_id_from_path(scope.get("raw_path") or scope["path"].encode())
        subprotocol = negotiate_subprotocol(scope.get("subprotocols", []))
        origin = origin_refused(scope.get("headers", ()))
        if origin is not None:
            logger.warning(
                "Refused handshake on %s from a browser page (Origin %s)", scope["path"], origin
            )
            await self.close()
            return
        if chargepoint_id is None or subprotocol is None:
            logger.info(
                "Refused handshake on %s (subprotocols %s)",
                scope["path"],
                scope.get("subprotocols"),
            )
            await self.close()
            return
        peer, port = scope.get("client") or (None, None)
        address = scope_client_address(scope)
        connection = Connection(
            connection_id=self.channel_name,
            ocpp_version=subprotocol,
            ip_address=address,
            # Behind a proxy the peer's port is the proxy's, not the charger's.
            websocket_port=port if address == peer else None,
            process_id=PROCESS_ID,
        )
        credentials = handshake_credentials(scope, chargepoint_id, address)
        admission = await gateway_db(
            chargepoint_admit,
            chargepoint_id=chargepoint_id,
            auto_register=settings.CSMS_AUTO_REGISTER,
            auto_register_status=settings.CSMS_AUTO_REGISTER_STATUS,
            connection=connection,
            credentials=credentials,
            require_auth=settings.CSMS_REQUIRE_CHARGER_AUTH,
        )
        if admission.password_pending:
            password = basic_auth_password(scope.get("headers", []), chargepoint_id)
            # Hashing off the database thread: a flood of wrong passwords must
            # not stall every other charger's messages.
            matched = await asyncio.to_thread(
                chargepoint_password_verdict,
                password_hash=admission.password_hash,
                unconfirmed_hash=admission.unconfirmed_hash,
                password=password,
            )
            admission = await gateway_db(
                chargepoint_password_checked,
                chargepoint_id=chargepoint_id,
                admission=admission,
                matched=matched is not PasswordMatch.NONE,
                unconfirmed=matched is PasswordMatch.UNCONFIRMED,
                password_given=password is not None,
                credentials=credentials,
                connection=connection,
            )
        if admission.refused:
            # A security event (A00.FR.323, A00.FR.408). The charger is told no
            # more than a 403: not whether its id exists, nor why.
            logger.warning(
                "Refused charger %s from %s: %s (%s)",
                chargepoint_id,
                address,
                admission.refused,
                admission.detail,
            )
            await self.close()
            return
        # Recorded as connected from here: whatever fails below, disconnect() clears it.
        self.chargepoint_id = chargepoint_id
        self.group = group_name(chargepoint_id)
        self.connected_at = time.time_ns()
        if admission.registered:
            logger.info("Registered new charge point %s on first connection", chargepoint_id)

        # Never two live connections for one charger: join the charger's group,
        # then tell every older connection in it to go. Joining first means two
        # connections arriving together still see each other; the newer wins.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_send(
            self.group,
            {"type": "connection.replaced", "by": self.channel_name, "at": self.connected_at},
        )
        await self.accept(subprotocol)
        self.adapter = ADAPTERS[subprotocol](chargepoint_id, send=self.send_text)
        logger.info("%s connected with %s", chargepoint_id, subprotocol)

    async def dispatch(self, message):
        # Channels closes the database connections of this consumer's context
        # before every message (an extra thread hop each time). The gateway does
        # its database work in its own context (ocpp_gateway.db), so skip that.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send_text(self, text: str) -> None:
        await self.send(text_data=text)

    async def receive(self, text_data=None, bytes_data=None):
        adapter = self.adapter
        if adapter is None:
            return
        if text_data is None:
            # OCPP-J uses text frames; decode a binary one rather than drop it.
            text_data = bytes_data.decode("utf-8", errors="replace")
        # The flood limits come first: a frame over them is neither parsed nor
        # stored (an answer to a call of ours excepted: GatewayAdapter.flood_admit).
        if adapter.flood_admit(text_data):
            await adapter.route_message(text_data)
        elif await adapter.refuse_flooded(text_data):
            logger.warning(
                "%s: disconnected, still flooding after %d refused frames",
                self.chargepoint_id,
                adapter.flood.episode_refused,
            )
            await self.close(code=CLOSE_FLOODED)

    async def connection_replaced(self, event):
        if event["by"] != self.channel_name and event["at"] >= self.connected_at:
            logger.info("%s: connection replaced by a newer one", self.chargepoint_id)
            await self.close(code=CLOSE_REPLACED)

    async def connection_revoked(self, event):
        # An operator changed what admitted this connection (profile,
        # password, registration status): reconnecting, the charger meets
        # the new terms (chargepoint_connection_revoke).
        if self.adapter is not None:
            logger.info("%s: connection closed, %s", self.chargepoint_id, event["reason"])
            await self.close(code=CLOSE_REVOKED)

    async def command_send(self, event):
        # Only the live connection sends, and only as a task: awaiting the
        # charger's answer here would block the receive() that delivers it
        # (docs/architecture.md rule 5).
        if self.adapter is None or event.get("connection") != self.channel_name:
            return
        self.adapter.command_start(event["command"], reply_to=event.get("reply_to"))

    async def disconnect(self, code):
        if self.chargepoint_id is None:
            return
        if self.adapter is not None:
            self.adapter.connection_lost()
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await gateway_db(
            chargepoint_disconnected,
            chargepoint_id=self.chargepoint_id,
            connection_id=self.channel_name,
        )
        logger.info("%s disconnected (%s)", self.chargepoint_id, code)

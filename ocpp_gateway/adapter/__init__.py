"""What both protocol adapters share: framing, validation, logging, dispatch.

A version adapter is ``GatewayAdapter`` plus the library's ChargePoint of that
version, with thin ``@on`` handlers that translate payloads into calls of
the version-neutral domain services (docs/architecture.md rule 3).

``GatewayAdapter`` does three jobs, one module each: inbound routing
(``inbound``), the command runner (``runner``) and the message log
(``message_log``). What they share lives here: the connection's state and
the one seam to the synchronous domain.
"""

import asyncio
import datetime
from collections.abc import Awaitable, Callable

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ocpp.charge_point import create_route_map

from chargepoints.enums import RegistrationStatus
from chargepoints.models import Command
from chargepoints.services.boot import chargepoint_registration
from ocpp_gateway.adapter.inbound import InboundRouting
from ocpp_gateway.adapter.message_log import MessageLog
from ocpp_gateway.adapter.runner import CommandRunner
from ocpp_gateway.db import gateway_db
from ocpp_gateway.enums import MessageType
from ocpp_gateway.flood import flood_limit_for
from ocpp_gateway.protocol import FRAME_START, ErrorKind, FrameError


def parse_timestamp(value: str | None) -> datetime.datetime | None:
    """An OCPP dateTime, as an aware datetime; FrameError when it is not one."""
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise FrameError(ErrorKind.PROPERTY, f"{value!r} is not an RFC 3339 date-time")
    if timezone.is_naive(parsed):
        # OCPP requires UTC; a charger that omits the offset means UTC.
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed


_HANDLERS: dict[type, dict[str, Callable]] = {}
# A charger's answers to our calls: CALLRESULT, CALLERROR, as the frame spells them.
_ANSWER_TYPES = frozenset(
    str(int(kind)) for kind in (MessageType.CALLRESULT, MessageType.CALLERROR)
)


class GatewayAdapter(InboundRouting, CommandRunner, MessageLog):
    """Mixin for ``ocpp.v16.ChargePoint`` / ``ocpp.v201.ChargePoint`` subclasses."""

    subprotocol: str
    actions: frozenset[str]
    error_codes: dict[ErrorKind, str]
    # OCPP 2.0.1 answers a frame whose id cannot be read with id "-1"; 1.6 has
    # no such rule, so there the frame is logged and dropped.
    answer_unreadable_frames: bool = False
    # Message types logged but never answered (OCPP 2.1 SEND, CALLRESULTERROR).
    unanswered_message_types: frozenset[int] = frozenset()

    # The version's command translation (ocpp_gateway.v16.commands, ...).
    commands = None
    # This connection is closing because the charger kept on flooding.
    flood_closing: bool = False
    # The operator's decision about the charger, as this connection knows it
    # (None: not asked yet): read once, then renewed by every boot answer.
    registration_status: str | None = None

    def __init__(self, chargepoint_id: str, send: Callable[[str], Awaitable[None]]):
        # Not the library's __init__: it builds, for every connection, a map
        # of bound handler methods, a queue and a lock, none of which the
        # gateway uses (it frames, routes and sends itself). An idle charger
        # costs that much less memory; the handlers are the class's own.
        self.id = chargepoint_id
        self._send_text = send
        # Our calls awaiting an answer: message id -> (action, future, command).
        self._calls: dict[str, tuple[str, asyncio.Future, Command]] = {}
        # OCPP-J 1.6 §4.1.1 / 2.0.1 part 4 §4.1.1: one call of ours at a time.
        self._command_lock = asyncio.Lock()
        self._command_tasks: set[asyncio.Task] = set()
        self._closed = False
        # The charger's flood limits, checked before a frame is routed
        # (flood_admit; refusals in InboundRouting.refuse_flooded).
        self.flood = flood_limit_for(chargepoint_id)

    def flood_admit(self, raw: str) -> bool:
        """Whether a frame the charger sent passes its flood limits (OcppConsumer.receive).

        Its answer to a call of ours still awaited always passes, its bytes
        counted: refused, it would leave the command timed out though the
        charger did what it was asked (a new password taken), and a charger
        replaying its offline queue at full speed answers in the middle of
        it. Told apart by the frame's first characters; only while a call
        is awaited, and one answer per call.
        """
        if self._calls and self._answers_awaited_call(raw):
            self.flood.admit_answer(raw)
            return True
        return self.flood.admit(raw)

    def _answers_awaited_call(self, raw: str) -> bool:
        start = FRAME_START.match(raw[:100])
        if start is None or start.group(1) not in _ANSWER_TYPES:
            return False
        call = self._calls.get(start.group(2))
        return call is not None and not call[1].done()

    @classmethod
    def handlers(cls) -> dict[str, Callable]:
        """Action -> the class's ``@on`` handler (a function: call it with the adapter)."""
        handlers = _HANDLERS.get(cls)
        if handlers is None:
            handlers = _HANDLERS[cls] = {
                action: route["_on_action"]
                for action, route in create_route_map(cls).items()
                if "_on_action" in route
            }
        return handlers

    # -- the domain seam ---------------------------------------------------

    async def run(self, service: Callable, /, **kwargs):
        """Call a synchronous domain service from the event loop (the one seam)."""
        return await gateway_db(service, chargepoint_id=self.id, **kwargs)

    async def query(self, service: Callable, /, **kwargs):
        """The same seam, for services that are not about this charger (authorization)."""
        return await gateway_db(service, **kwargs)

    async def charger_accepted(self) -> bool:
        """Whether the charger may authorize anyone: kept with the connection, so an
        Authorize costs what it did (chargepoints.services.boot.chargepoint_registration)."""
        if self.registration_status is None:
            self.registration_status = await self.run(chargepoint_registration)
        return self.registration_status == RegistrationStatus.ACCEPTED

"""What both protocol adapters share: framing, validation, logging, dispatch.

A version adapter is this mixin plus the library's ChargePoint of that
version, with thin ``@on`` handlers that translate payloads into calls of
the version-neutral domain services (DESIGN.md rule 3).
"""

import asyncio
import datetime
import functools
import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)
from ocpp.messages import Call, CallResult

from chargepoints.enums import CommandStatus
from chargepoints.models import Command
from chargepoints.services.commands import (
    command_deliver,
    command_finish,
    command_late_answer,
    command_mark_sent,
)
from ocpp_gateway.db import gateway_db
from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.protocol import (
    UNREADABLE_MESSAGE_ID,
    ErrorKind,
    FrameError,
    call_error_frame,
    parse_frame,
    validate_payload,
)
from ocpp_gateway.services import Frame, messages_record

logger = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(r'^\s*\[\s*\d+\s*,\s*"([^"\\]{1,36})"')


def _too_large(raw: str, limit: int) -> bool:
    # n characters are n to 4n bytes in UTF-8: only encode (a copy of every
    # frame) when that bound cannot decide.
    if len(raw) > limit:
        return True
    if 4 * len(raw) <= limit:
        return False
    return len(raw.encode()) > limit


@functools.cache
def _wants_raw_payload(handler) -> bool:
    """A handler taking ``raw_payload`` gets the payload exactly as sent, keys unconverted."""
    return "raw_payload" in inspect.signature(handler).parameters


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


class GatewayAdapter:
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

    def __init__(self, chargepoint_id: str, send: Callable[[str], Awaitable[None]]):
        super().__init__(chargepoint_id, connection=None)
        self._send_text = send
        # Our calls awaiting an answer: message id -> (action, future).
        self._calls: dict[str, tuple[str, asyncio.Future]] = {}
        # OCPP-J 1.6 §4.1.1 / 2.0.1 part 4 §4.1.1: one call of ours at a time.
        self._command_lock = asyncio.Lock()
        self._command_tasks: set[asyncio.Task] = set()
        self._closed = False

    # -- the domain seam ---------------------------------------------------

    async def run(self, service: Callable, /, **kwargs):
        """Call a synchronous domain service from the event loop (the one seam)."""
        return await gateway_db(service, chargepoint_id=self.id, **kwargs)

    async def query(self, service: Callable, /, **kwargs):
        """The same seam, for services that are not about this charger (authorization)."""
        return await gateway_db(service, **kwargs)

    # -- incoming frames ---------------------------------------------------

    async def route_message(self, raw: str) -> None:
        received = timezone.now()
        if _too_large(raw, settings.CSMS_MAX_FRAME_BYTES):
            match = _MESSAGE_ID.match(raw[:100])
            error = FrameError(
                ErrorKind.FORMAT,
                f"Frame exceeds {settings.CSMS_MAX_FRAME_BYTES} bytes",
                unique_id=match.group(1) if match else None,
            )
            await self._reject(raw[:1000], error, received)
            return
        try:
            parsed = parse_frame(raw, unanswered_types=self.unanswered_message_types)
        except FrameError as error:
            await self._reject(raw, error, received)
            return
        if isinstance(parsed.message, Call):
            await self._handle_call(parsed.message, received)
        else:
            await self._handle_answer(parsed.message, received)

    async def _reject(self, raw: str, error: FrameError, received: datetime.datetime) -> None:
        logger.warning("%s: refused frame (%s): %.200s", self.id, error.description, raw)
        unique_id = error.unique_id
        if unique_id is None and self.answer_unreadable_frames:
            unique_id = UNREADABLE_MESSAGE_ID
        if not error.answer:
            unique_id = None
        frames = [
            Frame(MessageDirection.INBOUND, None, error.unique_id or "", "", {"raw": raw}, received)
        ]
        out = None
        if unique_id is not None:
            out = call_error_frame(unique_id, self.error_codes[error.kind], error.description)
            frames.append(self._frame_out(out, action=""))
        await self._record(frames)
        if out is not None:
            await self._send_text(json.dumps(out))

    async def _handle_call(self, call: Call, received: datetime.datetime) -> None:
        inbound = Frame(
            MessageDirection.INBOUND,
            MessageType.CALL,
            call.unique_id,
            call.action,
            call.payload,
            received,
        )
        try:
            out = [3, call.unique_id, await self._dispatch(call)]
        except FrameError as error:
            out = call_error_frame(call.unique_id, self.error_codes[error.kind], error.description)
        except Exception:
            # A bug or an outage on our side: the service's transaction has
            # rolled back, so nothing was half written. The charger may retry.
            logger.exception("%s: %s handler failed", self.id, call.action)
            out = call_error_frame(
                call.unique_id, self.error_codes[ErrorKind.INTERNAL], "Internal error"
            )
        await self._record([inbound, self._frame_out(out, action=call.action)])
        await self._send_text(json.dumps(out, separators=(",", ":")))

    async def _dispatch(self, call: Call) -> dict:
        # OCPP-J 1.6 §4.2.3 / 2.0.1 part 4 §4.3: NotImplemented for an action
        # the receiver does not know, NotSupported for one it knows but does
        # not take (e.g. a CSMS-to-charger action sent by a charger).
        if call.action not in self.actions:
            raise FrameError(ErrorKind.NOT_IMPLEMENTED, f"Unknown action {call.action!r}")
        handler = self.route_map.get(call.action, {}).get("_on_action")
        if handler is None:
            raise FrameError(
                ErrorKind.NOT_SUPPORTED, f"{call.action} is not sent by a charging station"
            )
        validate_payload(
            message_type_id=Call.message_type_id,
            action=call.action,
            payload=call.payload,
            ocpp_version=self._ocpp_version,
            tolerant=True,
        )
        kwargs = camel_to_snake_case(call.payload)
        if _wants_raw_payload(handler):
            kwargs["raw_payload"] = call.payload
        response = await handler(**kwargs)
        payload = snake_to_camel_case(remove_nones(serialize_as_dict(response)))
        try:
            validate_payload(
                message_type_id=CallResult.message_type_id,
                action=call.action,
                payload=payload,
                ocpp_version=self._ocpp_version,
            )
        except FrameError as error:
            # Never send a charger an answer its schema forbids; this is our bug.
            raise RuntimeError(f"invalid {call.action} answer built: {error}") from error
        return payload

    async def _handle_answer(self, message, received: datetime.datetime) -> None:
        is_result = isinstance(message, CallResult)
        payload = (
            message.payload
            if is_result
            else {
                "errorCode": message.error_code,
                "errorDescription": message.error_description,
                "errorDetails": message.error_details,
            }
        )
        action, future = self._calls.get(message.unique_id, ("", None))
        awaited = future is not None and not future.done()
        late = None
        if not awaited:
            # Not awaited any more: a command we gave up on, or a call we never made.
            late = await self.run(
                command_late_answer, message_id=message.unique_id, response=payload
            )
            action = late.action if late is not None else ""
        await self._record(
            [
                Frame(
                    MessageDirection.INBOUND,
                    MessageType.CALLRESULT if is_result else MessageType.CALLERROR,
                    message.unique_id,
                    action,
                    payload,
                    received,
                )
            ]
        )
        if awaited and not future.done():
            future.set_result(message)
            return
        if awaited:
            # It timed out while the answer was being logged.
            late = await self.run(
                command_late_answer, message_id=message.unique_id, response=payload
            )
        if late is None:
            logger.warning("%s: answer to a call we never made: %s", self.id, message.unique_id)

    # -- outgoing calls (commands) -------------------------------------------

    def command_start(self, command_id: int, *, reply_to: str | None = None) -> None:
        """Send a recorded command as a task of its own (DESIGN.md rule 5).

        Called from a Channels event handler, which must return at once: the
        charger's answer arrives through this same consumer's receive().
        """
        task = asyncio.create_task(self._command_run(command_id, reply_to))
        self._command_tasks.add(task)
        task.add_done_callback(self._command_task_done)

    def _command_task_done(self, task: asyncio.Task) -> None:
        self._command_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: command task failed", self.id, exc_info=task.exception())

    def connection_lost(self) -> None:
        """The socket closed: calls still awaiting an answer will get none."""
        self._closed = True
        for _, future in self._calls.values():
            if not future.done():
                future.set_exception(ConnectionError("connection closed"))

    async def _command_run(self, command_id: int, reply_to: str | None) -> None:
        if reply_to:
            await _reply(reply_to, "command.received")
        command = await self.run(command_deliver, command_id=command_id)
        if command is None:
            return  # another connection took it, or the caller gave up waiting
        try:
            status = await self._command_call(command)
        except Exception:
            logger.exception("%s: command %s failed", self.id, command.pk)
            status = await self._command_finish(
                command,
                CommandStatus.FAILED,
                error_code="InternalError",
                error_description="Internal error while sending the command.",
            )
        if reply_to:
            await _reply(reply_to, "command.finished", status=status)

    async def _command_call(self, command: Command) -> str:
        async with self._command_lock:
            if self._closed:
                return await self._command_finish(
                    command,
                    CommandStatus.CHARGER_OFFLINE,
                    error_description="The charger disconnected before the command was sent.",
                )
            future = asyncio.get_running_loop().create_future()
            self._calls[command.message_id] = (command.action, future)
            sent_at = timezone.now()
            timeout = settings.CSMS_COMMAND_TIMEOUT
            try:
                frame = [Call.message_type_id, command.message_id, command.action, command.request]
                await self._send_text(json.dumps(frame, separators=(",", ":")))
                await self._record(
                    [
                        Frame(
                            MessageDirection.OUTBOUND,
                            MessageType.CALL,
                            command.message_id,
                            command.action,
                            command.request,
                            sent_at,
                        )
                    ]
                )
                await self.run(command_mark_sent, command_id=command.pk, at=sent_at)
                message = await asyncio.wait_for(future, timeout)
            except TimeoutError:
                return await self._command_finish(
                    command,
                    CommandStatus.TIMED_OUT,
                    error_description=f"No answer within {timeout:g} s.",
                )
            except ConnectionError:
                return await self._command_finish(
                    command,
                    CommandStatus.FAILED,
                    error_code="ConnectionLost",
                    error_description="The connection closed before the charger answered.",
                )
            finally:
                self._calls.pop(command.message_id, None)
        return await self._command_answered(command, message)

    async def _command_answered(self, command: Command, message) -> str:
        if not isinstance(message, CallResult):
            # Kept as sent; code and description stored as text even when a
            # charger puts something else there.
            return await self._command_finish(
                command,
                CommandStatus.FAILED,
                response={
                    "errorCode": message.error_code,
                    "errorDescription": message.error_description,
                    "errorDetails": message.error_details,
                },
                error_code=_text(message.error_code),
                error_description=_text(message.error_description),
            )
        try:
            validate_payload(
                message_type_id=CallResult.message_type_id,
                action=command.action,
                payload=message.payload,
                ocpp_version=self._ocpp_version,
            )
        except FrameError as error:
            return await self._command_finish(
                command,
                CommandStatus.FAILED,
                response=message.payload,
                error_code=self.error_codes[error.kind],
                error_description=f"Invalid {command.action} answer: {error.description}",
            )
        answer = self.commands.read_answer(command.name, command.params, message.payload)
        return await self._command_finish(
            command,
            CommandStatus.ACCEPTED if answer.accepted else CommandStatus.REJECTED,
            response=message.payload,
            answer=answer,
        )

    async def _command_finish(self, command: Command, status: CommandStatus, **outcome) -> str:
        await self.run(command_finish, command_id=command.pk, status=status, **outcome)
        return str(status)

    # -- the message log ---------------------------------------------------

    @staticmethod
    def _frame_out(out: list, *, action: str) -> Frame:
        if out[0] == MessageType.CALLERROR:
            payload = {"errorCode": out[2], "errorDescription": out[3], "errorDetails": out[4]}
        else:
            payload = out[-1]
        return Frame(MessageDirection.OUTBOUND, out[0], out[1], action, payload, timezone.now())

    async def _record(self, frames: list[Frame]) -> None:
        try:
            await gateway_db(messages_record, chargepoint_id=self.id, frames=frames)
        except Exception:
            # The log must never stop a charger from being answered.
            logger.exception("%s: could not log %d frame(s)", self.id, len(frames))


async def _reply(channel: str, kind: str, **fields) -> None:
    """Tell a waiting caller how its command goes; a caller gone away is no error."""
    try:
        await get_channel_layer().send(channel, {"type": kind, **fields})
    except Exception:
        logger.warning("Could not reply %s to %s", kind, channel, exc_info=True)


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)

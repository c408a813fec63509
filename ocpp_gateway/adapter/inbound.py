"""The adapter's first job: frames from the charger, checked, dispatched, answered.

A CALL goes to the version's ``@on`` handler and its answer back to the
charger; a CALLRESULT or CALLERROR resolves the command awaiting it (see
``ocpp_gateway.adapter.runner``); a frame that cannot be read is refused.
"""

import datetime
import functools
import inspect
import json
import logging
import re

from django.conf import settings
from django.utils import timezone
from ocpp.charge_point import remove_nones, serialize_as_dict
from ocpp.messages import Call, CallResult

from chargepoints.services.command_secrets import command_redacted
from chargepoints.services.commands import command_late_answer
from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.keys import camel_keys, snake_keys
from ocpp_gateway.protocol import (
    FRAME_START,
    UNREADABLE_MESSAGE_ID,
    ErrorKind,
    FrameError,
    call_error_frame,
    parse_frame,
    validate_payload,
)
from ocpp_gateway.services import Frame

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


class InboundRouting:
    """Mixin of ``GatewayAdapter``: everything the charger sends us."""

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

    async def refuse_flooded(self, raw: str) -> bool:
        """A frame over the charger's flood limits: neither parsed, processed nor logged.

        A CALL is answered, so that the charger does not wait for an answer
        that never comes. True when the charger keeps on flooding and this
        connection must close (once: the frames still arriving meanwhile are
        dropped unanswered).
        """
        flood = self.flood
        if self.flood_closing:
            return False
        if flood.persists:
            # This connection's, not the charger's: the limits are shared
            # with its next connection, which must be closed in its turn.
            self.flood_closing = True
            flood.close()
            return True
        start = FRAME_START.match(raw[:100])
        if start is not None and start.group(1) == "2":
            await self._send_text(
                flood.refusal(start.group(2), self.error_codes[ErrorKind.GENERIC])
            )
        return False

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
            # A report of the charger's own password is logged without it;
            # only the calls that may hold one are read for it.
            self._secrets_masked(call.payload)
            if call.action in self.commands.REPORTS_SECRETS
            else call.payload,
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
        handler = self.handlers().get(call.action)
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
        kwargs = snake_keys(call.payload)
        if _wants_raw_payload(handler):
            kwargs["raw_payload"] = call.payload
        response = await handler(self, **kwargs)
        payload = camel_keys(remove_nones(serialize_as_dict(response)))
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
        action, future, command = self._calls.get(message.unique_id, ("", None, None))
        awaited = future is not None and not future.done()
        # The log keeps neither a secret the command carried, should the
        # charger echo it, nor the charger's own password, should it report it.
        masked = self._secrets_masked(payload)
        late = None
        if not awaited:
            # Not awaited any more: a command we gave up on, or a call we never made.
            late = await self._late_answer(message, masked)
            action, command = (late.action, late) if late is not None else ("", None)
        if command is not None:
            masked = command_redacted(command=command, payload=masked)
        await self._record(
            [
                Frame(
                    MessageDirection.INBOUND,
                    MessageType.CALLRESULT if is_result else MessageType.CALLERROR,
                    message.unique_id,
                    action,
                    masked,
                    received,
                )
            ]
        )
        if awaited and not future.done():
            future.set_result(message)
            return
        if awaited:
            # It timed out while the answer was being logged.
            late = await self._late_answer(message, masked)
        if late is None:
            logger.warning("%s: answer to a call we never made: %s", self.id, message.unique_id)

    async def _late_answer(self, message, masked):
        return await self.run(
            command_late_answer,
            message_id=message.unique_id,
            response=masked,
            read=self._late_reader(message),
        )

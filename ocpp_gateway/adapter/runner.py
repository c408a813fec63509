"""The adapter's second job: sending commands to the charger and recording their outcome.

A command recorded by the domain (``chargepoints.services.commands``) is sent
by the connection that holds the charger; the answer arrives through
``InboundRouting._handle_answer``, which resolves the future awaited here.
"""

import asyncio
import json
import logging

from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone
from ocpp.messages import Call, CallResult

from chargepoints.enums import CommandRefusal, CommandStatus
from chargepoints.models import Command
from chargepoints.services.command_effects import CommandAnswer
from chargepoints.services.command_secrets import command_redacted
from chargepoints.services.commands import (
    command_deliver,
    command_finish,
    command_mark_sent,
)
from ocpp_gateway.command_tools import UNSUPPORTED_ERRORS
from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.protocol import FrameError, validate_payload
from ocpp_gateway.services import Frame

logger = logging.getLogger(__name__)


class CommandRunner:
    """Mixin of ``GatewayAdapter``: our calls to the charger, one at a time."""

    def command_start(self, command_id: int, *, reply_to: str | None = None) -> None:
        """Send a recorded command as a task of its own (docs/architecture.md rule 5).

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
        for _, future, _ in self._calls.values():
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
            # With the command: its answer is logged with the command's secrets masked.
            self._calls[command.message_id] = (command.action, future, command)
            sent_at = timezone.now()
            timeout = settings.CSMS_COMMAND_TIMEOUT
            try:
                frame = [Call.message_type_id, command.message_id, command.action, command.request]
                await self._send_text(json.dumps(frame, separators=(",", ":")))
                # The log never holds a secret the call carries (a new password).
                await self._record(
                    [
                        Frame(
                            MessageDirection.OUTBOUND,
                            MessageType.CALL,
                            command.message_id,
                            command.action,
                            command_redacted(command=command, payload=command.request),
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
            # Kept as sent, but for a secret the charger may echo; code and
            # description stored as text even when a charger puts something
            # else there.
            return await self._command_finish(
                command,
                CommandStatus.FAILED,
                response=self._answer_kept(
                    command,
                    {
                        "errorCode": message.error_code,
                        "errorDescription": message.error_description,
                        "errorDetails": message.error_details,
                    },
                ),
                error_code=self._answer_kept(command, _text(message.error_code)),
                error_description=self._answer_kept(command, _text(message.error_description)),
                refusal=(
                    CommandRefusal.NOT_SUPPORTED if message.error_code in UNSUPPORTED_ERRORS else ""
                ),
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
                response=self._answer_kept(command, message.payload),
                error_code=self.error_codes[error.kind],
                error_description=f"Invalid {command.action} answer: {error.description}",
            )
        answer = self.commands.read_answer(command.name, command.params, message.payload)
        return await self._command_finish(
            command,
            CommandStatus.ACCEPTED if answer.accepted else CommandStatus.REJECTED,
            response=self._answer_kept(command, message.payload),
            answer=answer,
        )

    def _answer_kept(self, command: Command, payload):
        """An answer as the command's record and the message log keep it: no secret in it.

        Neither the secret the command carried (a charger may echo its new
        password) nor the charger's own password, should it report it.
        """
        return command_redacted(command=command, payload=self._secrets_masked(payload))

    def _secrets_masked(self, payload):
        masked = getattr(self.commands, "secrets_masked", None)
        return masked(payload) if masked is not None else payload

    def _late_reader(self, message):
        """What a late answer says, read once its command is found (None: unreadable).

        A CALLERROR refuses, as it does in time (the command fails).
        """
        if not isinstance(message, CallResult):
            return lambda command: CommandAnswer(accepted=False)

        def read(command: Command) -> CommandAnswer | None:
            try:
                validate_payload(
                    message_type_id=CallResult.message_type_id,
                    action=command.action,
                    payload=message.payload,
                    ocpp_version=self._ocpp_version,
                )
                return self.commands.read_answer(command.name, command.params, message.payload)
            except (FrameError, KeyError, TypeError, ValueError):
                return None

        return read

    async def _command_finish(self, command: Command, status: CommandStatus, **outcome) -> str:
        await self.run(command_finish, command_id=command.pk, status=status, **outcome)
        return str(status)


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

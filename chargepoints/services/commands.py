"""Commands to chargers: requested, recorded, handed to the transport, answered.

``command_request`` is what interfaces call (API views, admin actions, the
``ocpp_command`` management command, driver services): it validates the
command, records it and hands it to the command transport the gateway
registered (``command_transport``), so a bad command is refused before
anything is sent. The connection holding the charger, in whichever server
process, sends it and records the answer; the caller waits a while for it and
otherwise reads the record later.

Transitions are conditional updates, so two processes never both act on
one command: the connection that delivers it, and the caller that gives up
waiting and declares the charger offline, cannot both win.
"""

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chargepoints.commands import PreparedCommand, command_prepare
from chargepoints.enums import COMMAND_FINAL_STATUSES, ChargerEventKind, CommandName, CommandStatus
from chargepoints.models import ChargePoint, Command
from chargepoints.services.command_effects import (
    CommandAnswer,
    command_effects_apply,
    command_late_effects_apply,
)
from chargepoints.services.command_secrets import command_redacted, command_secrets_forget
from chargepoints.services.command_transport import command_transport
from chargepoints.services.events import chargepoint_event_record
from chargepoints.services.session_states import charging_session_command_answered

logger = logging.getLogger(__name__)


def command_supported(*, chargepoint: ChargePoint, name: str) -> bool:
    """Whether the charger's last negotiated protocol has this command (unknown: assume so)."""
    return command_transport().supports(chargepoint=chargepoint, name=name)


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
    transport = command_transport()
    command = _command_record(
        transport,
        chargepoint_id=chargepoint_id,
        name=name,
        params=params,
        source=source,
        requested_by=requested_by,
    )
    if command.status == CommandStatus.PENDING:
        wait = settings.CSMS_COMMAND_WAIT if wait is None else wait
        if not transport.send(command=command, wait=wait):
            command_mark_offline(
                command_id=command.pk,
                reason="No server process holds a connection to this charge point.",
            )
        command.refresh_from_db()
    return command


def command_request_on_commit(
    *, chargepoint_id: str, name: str, params: dict, source: str, requested_by=None
) -> Command:
    """Validate and record a command now; hand it to the charger's connection once the
    current database transaction commits, without waiting for it to be taken.

    For what the CSMS decides while handling a charger's own message: its
    connection takes a command only once that message is answered
    (docs/architecture.md rule 5), and the command is not there to take
    before the commit. One no connection takes is ended by the process
    sweep (chargepoints/services/processes.py).
    """
    transport = command_transport()
    command = _command_record(
        transport,
        chargepoint_id=chargepoint_id,
        name=name,
        params=params,
        source=source,
        requested_by=requested_by,
    )
    if command.status == CommandStatus.PENDING:
        transaction.on_commit(lambda: transport.dispatch(command=command))
    return command


def _command_record(transport, *, chargepoint_id, name, params, source, requested_by) -> Command:
    # Validated, translated for the charger's version and recorded, not yet sent.
    chargepoint = ChargePoint.objects.get(pk=chargepoint_id)
    prepared = command_prepare(chargepoint=chargepoint, name=name, params=params)
    action, request = transport.translate(chargepoint=chargepoint, prepared=prepared)
    return command_create(
        chargepoint=chargepoint,
        prepared=prepared,
        action=action,
        request=request,
        source=source,
        requested_by=requested_by,
    )


def command_create(
    *,
    chargepoint: ChargePoint,
    prepared: PreparedCommand,
    action: str,
    request: dict,
    source: str,
    requested_by=None,
) -> Command:
    """Record a command about to be sent; a charger not connected makes it offline at once."""
    now = timezone.now()
    offline = not chargepoint.connected
    return Command.objects.create(
        chargepoint=chargepoint,
        name=prepared.name,
        params=prepared.params,
        requested_by=requested_by,
        source=source,
        connector=prepared.connector,
        transaction=prepared.transaction,
        ocpp_version=chargepoint.ocpp_version,
        action=action,
        message_id=str(uuid.uuid4()),
        request=request,
        request_id=prepared.request_id,
        status=CommandStatus.CHARGER_OFFLINE if offline else CommandStatus.PENDING,
        error_description="The charge point is not connected." if offline else "",
        created_at=now,
        answered_at=now if offline else None,
    )


def command_deliver(*, chargepoint_id: str, command_id: int) -> Command | None:
    """Take a pending command for sending; None when it is gone, taken or given up on."""
    taken = Command.objects.filter(
        pk=command_id,
        chargepoint_id=chargepoint_id,
        status=CommandStatus.PENDING,
        delivered_at__isnull=True,
    ).update(delivered_at=timezone.now(), updated_at=timezone.now())
    return Command.objects.get(pk=command_id) if taken else None


def command_mark_offline(*, command_id: int, reason: str) -> bool:
    """Give up on a command no connection took (the charger is gone or the flag was stale)."""
    return bool(
        Command.objects.filter(
            pk=command_id, status=CommandStatus.PENDING, delivered_at__isnull=True
        ).update(
            status=CommandStatus.CHARGER_OFFLINE,
            error_description=reason,
            answered_at=timezone.now(),
            updated_at=timezone.now(),
        )
    )


def command_mark_sent(*, chargepoint_id: str, command_id: int, at) -> None:
    Command.objects.filter(
        pk=command_id, chargepoint_id=chargepoint_id, status=CommandStatus.PENDING
    ).update(status=CommandStatus.SENT, sent_at=at, updated_at=timezone.now())


@transaction.atomic
def command_finish(
    *,
    chargepoint_id: str,
    command_id: int,
    status: CommandStatus,
    response: dict | None = None,
    answer: CommandAnswer | None = None,
    error_code: str = "",
    error_description: str = "",
    refusal: str = "",
) -> Command:
    """Store how a command ended and, when the charger accepted it, what that changed."""
    command = (
        # Lock the command row only: its connector and transaction may be
        # null, and PostgreSQL cannot lock the nullable side of an outer join.
        Command.objects.select_for_update(of=("self",))
        .select_related("chargepoint", "connector", "transaction")
        .get(pk=command_id, chargepoint_id=chargepoint_id)
    )
    if command.status in COMMAND_FINAL_STATUSES:
        return command
    command.status = status
    command.response = response
    command.error_code = error_code[:50]
    command.error_description = error_description
    command.refusal = (answer.refusal if answer is not None else "") or refusal
    command.answered_at = timezone.now()
    command.save(
        update_fields=[
            "status",
            "response",
            "error_code",
            "error_description",
            "refusal",
            "answered_at",
            "updated_at",
        ]
    )
    if status == CommandStatus.ACCEPTED and answer is None:
        answer = CommandAnswer(accepted=True)
    if answer is not None and status in (CommandStatus.ACCEPTED, CommandStatus.REJECTED):
        command_effects_apply(command=command, answer=answer)
    # A driver's start or stop moves their session, however the command ended.
    charging_session_command_answered(command=command)
    # Sent and answered (or not): a secret it carried (a new password) is no longer needed.
    command_secrets_forget(command=command)
    return command


@transaction.atomic
def command_late_answer(
    *,
    chargepoint_id: str,
    message_id: str,
    response: dict,
    read: Callable[[Command], CommandAnswer | None] | None = None,
) -> Command | None:
    """Keep an answer that came after we stopped waiting; the command stays timed out.

    ``read`` tells what the answer says (the gateway reads it in the
    command's protocol; None where it cannot be read). Only a new password's
    fate follows from it (command_late_effects_apply). What is kept and
    logged has the command's secrets masked, as any answer.
    """
    command = Command.objects.filter(chargepoint_id=chargepoint_id, message_id=message_id).first()
    if command is None:
        return None
    response = command_redacted(command=command, payload=response)
    logger.warning(
        "%s: late answer to %s (command %s, %s): %.200s",
        chargepoint_id,
        command.action,
        command.pk,
        command.status,
        response,
    )
    if command.status == CommandStatus.TIMED_OUT and command.response is None:
        command.response = response
        command.error_description = (
            f"{command.error_description} The charger answered late, at "
            f"{timezone.now().isoformat(timespec='seconds')}."
        ).strip()
        command.save(update_fields=["response", "error_description", "updated_at"])
        answer = read(command) if read is not None else None
        if answer is not None:
            command_late_effects_apply(command=command, answer=answer)
    return command


# Reports that tell how an accepted command goes on (firmware and log uploads).
_PROGRESS_OF = {
    ChargerEventKind.FIRMWARE_STATUS: (CommandName.UPDATE_FIRMWARE,),
    ChargerEventKind.DIAGNOSTICS_STATUS: (CommandName.GET_DIAGNOSTICS,),
    ChargerEventKind.LOG_STATUS: (CommandName.GET_LOG,),
}


@transaction.atomic
def chargepoint_progress_record(
    *,
    chargepoint_id: str,
    kind: ChargerEventKind,
    status: str,
    payload: dict,
    request_id: int | None = None,
) -> Command | None:
    """Keep a firmware/diagnostics/log status report and follow it on its command.

    2.0.1 and the 1.6 security extension name the request; plain 1.6 does
    not, so there the newest accepted command of that kind is the one.
    """
    chargepoint_event_record(
        chargepoint_id=chargepoint_id,
        kind=kind,
        status=status,
        payload=payload,
        request_id=request_id,
    )
    commands = Command.objects.filter(
        chargepoint_id=chargepoint_id,
        name__in=_PROGRESS_OF.get(kind, ()),
        status=CommandStatus.ACCEPTED,
    )
    if request_id is not None:
        commands = commands.filter(request_id=request_id)
    command = commands.order_by("-created_at", "-id").first()
    if command is not None:
        command.progress = status[:40]
        command.progress_at = timezone.now()
        command.save(update_fields=["progress", "progress_at", "updated_at"])
    return command

"""What became of partners' commands: the CommandResult we owe each eMSP (OCPI 2.2.1
commands §13.3.3), queued in the outbox once per command.

We answer a command at once (CommandResponse) and POST its CommandResult to
the eMSP's ``response_url`` later, when the charger has answered, or when it
did not in the ``timeout`` we announced (CSMS_OCPI_COMMAND_TIMEOUT). The push
cycle (billing/ocpi/push_cycle.py) calls ``ocpi_command_results_collect``.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.enums import CommandResultType as Result
from billing.models import OcpiCommand
from billing.ocpi.outbox import ocpi_push_enqueue
from chargepoints.enums import COMMAND_FINAL_STATUSES, CommandName, CommandRefusal, CommandStatus
from chargepoints.models import Command, Reservation

# Why the charger refused (as the gateway read it), in OCPI words. A refusal
# it does not explain is REJECTED.
_REFUSALS = {
    CommandRefusal.OCCUPIED: Result.EVSE_OCCUPIED,
    CommandRefusal.INOPERATIVE: Result.EVSE_INOPERATIVE,
    CommandRefusal.FAILED: Result.FAILED,
    CommandRefusal.NOT_SUPPORTED: Result.NOT_SUPPORTED,
    CommandRefusal.UNKNOWN_RESERVATION: Result.UNKNOWN_RESERVATION,
}


def command_result_type(command: Command) -> tuple[str, str]:
    """The CommandResultType (commands §13.4.2) and a message for a finished command."""
    status = command.status
    if status == CommandStatus.ACCEPTED:
        return Result.ACCEPTED, "The charge point accepted the command."
    if status == CommandStatus.REJECTED:
        result = _REFUSALS.get(command.refusal, Result.REJECTED)
        why = f" ({command.get_refusal_display().lower()})" if command.refusal else ""
        return result, f"The charge point refused the command{why}."
    if status == CommandStatus.TIMED_OUT:
        return Result.TIMEOUT, "The charge point did not answer in time."
    if status == CommandStatus.CHARGER_OFFLINE:
        return Result.EVSE_INOPERATIVE, "The charge point is not connected."
    if command.refusal == CommandRefusal.NOT_SUPPORTED:
        return Result.NOT_SUPPORTED, "The charge point does not support this command."
    detail = command.error_code or command.error_description or "error"
    return Result.FAILED, f"The charge point could not execute it ({detail})."[:255]


def ocpi_command_finish(
    *, ocpi_command: OcpiCommand, result: str, message: str, now=None, **fields
) -> bool:
    """Record the result of one partner command and queue its CommandResult, once.

    The conditional UPDATE on ``finished_at`` decides who finishes it: two
    server processes collecting at the same moment cannot both queue a
    result, and the loser queues nothing (its transaction holds no push).
    """
    now = now or timezone.now()
    with transaction.atomic():
        won = OcpiCommand.objects.filter(pk=ocpi_command.pk, finished_at__isnull=True).update(
            result=result, result_message=message[:255], finished_at=now, **fields
        )
        if not won:
            return False
        ocpi_push_enqueue(
            partner=ocpi_command.partner,
            module="commands",
            method="POST",
            url=ocpi_command.response_url,
            body={"result": result, "message": [{"language": "en", "text": message[:512]}]},
            object_key=f"command:{ocpi_command.pk}",
        )
    ocpi_command.result, ocpi_command.result_message = result, message[:255]
    ocpi_command.finished_at = now
    return True


def ocpi_command_conclude(*, ocpi_command: OcpiCommand, command: Command, now=None) -> bool:
    """Finish a partner command by how its charger command ended (final by now)."""
    result, message = command_result_type(command)
    fields = {}
    if command.name == CommandName.RESERVE_NOW and result == Result.ACCEPTED:
        # The reservation the command service made of it (command_effects
        # _reserve), under the id we gave the charger: CANCEL_RESERVATION
        # finds it by the eMSP's reservation_id through this link.
        fields["reservation"] = Reservation.objects.filter(
            reservation_id=command.params.get("reservation_id")
        ).first()
    return ocpi_command_finish(
        ocpi_command=ocpi_command, result=result, message=message, now=now, **fields
    )


def ocpi_command_results_collect(*, now: datetime.datetime | None = None) -> int:
    """Finish every partner command whose charger command ended or whose time is up.

    Returns how many were finished. One query on the few unfinished rows
    (the partial index ``ocpi_command_unfinished``) when nothing is due.
    """
    now = now or timezone.now()
    expired = now - datetime.timedelta(seconds=settings.CSMS_OCPI_COMMAND_TIMEOUT)
    due = (
        OcpiCommand.objects.filter(finished_at__isnull=True)
        .filter(Q(command__status__in=COMMAND_FINAL_STATUSES) | Q(created_at__lt=expired))
        .select_related("partner", "command")
        .order_by("created_at", "pk")
    )
    finished = 0
    for ocpi_command in due:
        command = ocpi_command.command
        if command is not None and command.status in COMMAND_FINAL_STATUSES:
            finished += ocpi_command_conclude(ocpi_command=ocpi_command, command=command, now=now)
        else:
            # Commands §13.3.2 CommandResponse.timeout: past it the eMSP may
            # assume no result comes, so it gets TIMEOUT rather than nothing.
            finished += ocpi_command_finish(
                ocpi_command=ocpi_command,
                result=Result.TIMEOUT,
                message="No answer from the charge point in time.",
                now=now,
            )
    return finished

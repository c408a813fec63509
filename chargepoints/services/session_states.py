"""What moves a driver's session after its start: the charger's answers and reports, and time.

- The answer to the remote start: taken by the charger's connection or
  accepted, STARTING; refused, not answered in time, or the charger offline,
  FAILED (``charging_session_command_answered``, called when a command ends).
- The answer to a remote stop: accepted, FINISHING. A driver's stop the
  charger cannot carry out closes the transaction as the operator's close
  does (chargepoints/services/session_stop.py), only when the charger is gone
  (``charger_gone_in``) or refused it having rebooted since the transaction
  was last heard of; a charger that is merely slow or briefly offline keeps
  it, and its own stop decides.
- How the transaction charges (1.6 connector status, 2.0.1 chargingState):
  CHARGING, SUSPENDED, FINISHING (``charging_session_follow``).
- Time: the periodic sweep (chargepoints/services/expiry.py) times out starts
  no transaction followed within CSMS_SESSION_START_TIMEOUT, and settles
  starts whose command a sweep ended (``charging_sessions_refresh``).
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chargepoints.enums import (
    SESSION_PENDING,
    ChargePointStatus,
    ChargingState,
    CommandName,
    CommandStatus,
    SessionStatus,
    TransactionStatus,
)
from chargepoints.models import ChargingSession, Command, Connector, Transaction
from chargepoints.services.sessions import (
    TIMEOUT_REASON,
    charging_session_start_timeout,
    sessions_move,
)
from chargepoints.services.transaction_closing import TransactionNotActive, transaction_close

logger = logging.getLogger(__name__)

# Accepted, or not answered yet: nothing has gone wrong so far.
UNDECIDED = (CommandStatus.ACCEPTED, CommandStatus.PENDING, CommandStatus.SENT)
# A stop that never reached a charger able to carry it out.
_UNDELIVERED = (CommandStatus.TIMED_OUT, CommandStatus.CHARGER_OFFLINE, CommandStatus.FAILED)

# What the charger says about a running transaction, and the session's status it means.
_FOLLOWS = {
    ChargingState.CHARGING: SessionStatus.CHARGING,
    ChargingState.SUSPENDED_EV: SessionStatus.SUSPENDED,
    ChargingState.SUSPENDED_EVSE: SessionStatus.SUSPENDED,
    # OCPP 1.6 connector status: the transaction is being ended at the charger.
    ChargePointStatus.FINISHING: SessionStatus.FINISHING,
}
# OCPP 2.0.1: plugged in without charging, or unplugged, after having charged.
_AFTER_CHARGING = (ChargingState.EV_CONNECTED, ChargingState.IDLE)
_WITH_TRANSACTION = (SessionStatus.CHARGING, SessionStatus.SUSPENDED, SessionStatus.FINISHING)


@dataclass(frozen=True)
class Outcome:
    code: str
    detail: str


def offline_detail(chargepoint_id: str) -> str:
    return _("Charge point %(chargepoint)s is offline.") % {"chargepoint": chargepoint_id}


def command_outcome(command: Command) -> Outcome | None:
    """Why a driver's command did not work, in words for them; None when it did or may yet."""
    if command.status in UNDECIDED:
        return None
    if command.status == CommandStatus.CHARGER_OFFLINE:
        return Outcome("charger_offline", offline_detail(command.chargepoint_id))
    if command.status == CommandStatus.REJECTED:
        answer = (command.response or {}).get("status", "Rejected")
        detail = _("The charger refused (%(answer)s).") % {"answer": answer}
        return Outcome("charger_rejected", detail)
    if command.status == CommandStatus.TIMED_OUT:
        return Outcome("charger_timeout", _("The charger did not answer in time."))
    detail = command.error_description or _("The charger reported an error.")
    return Outcome("charger_error", detail)


def _charged(tx: Transaction) -> bool:
    return any(entry.get("state") == ChargingState.CHARGING for entry in tx.charging_states or [])


def charging_session_follow(*, tx: Transaction, state: str) -> int:
    """The charger reported how the transaction goes (``state``): its session follows."""
    to = _FOLLOWS.get(state)
    if to is None and state in _AFTER_CHARGING and _charged(tx):
        to = SessionStatus.FINISHING
    if to is None:
        return 0
    sessions = ChargingSession.objects.filter(transaction=tx, status__in=_WITH_TRANSACTION)
    return sessions_move(sessions.exclude(status=to), to=to, last_activity=timezone.now())


def charging_session_connector_reported(*, connector: Connector, status: str) -> int:
    """A connector's status (OCPP 1.6 tells charging and pausing this way): its session follows."""
    to = _FOLLOWS.get(status)
    if to is None:
        return 0
    sessions = ChargingSession.objects.filter(
        transaction__connector=connector,
        transaction__transaction_status=TransactionStatus.ACTIVE,
        status__in=_WITH_TRANSACTION,
    ).exclude(status=to)
    return sessions_move(sessions, to=to, last_activity=timezone.now())


def charging_session_command_answered(*, command: Command) -> None:
    """A driver's remote start or stop ended (answered, timed out, or never delivered)."""
    if command.name == CommandName.REMOTE_START:
        charging_session_start_answered(command=command)
    elif command.name == CommandName.REMOTE_STOP:
        _stop_answered(command)


def charging_session_start_answered(*, command: Command) -> int:
    """STARTING once the charger's connection holds the start; FAILED when it did not work.

    Found by the remoteStartId the command carries: the charger may answer
    before the session is told which command started it.
    """
    remote_start_id = (command.params or {}).get("remote_start_id")
    started_by = Q(start_command=command)
    if remote_start_id is not None:
        started_by |= Q(chargepoint_id=command.chargepoint_id, remote_start_id=remote_start_id)
    waiting = ChargingSession.objects.filter(
        started_by, transaction__isnull=True, status__in=SESSION_PENDING
    )
    failure = command_outcome(command)
    if failure is None:
        asked = waiting.filter(status=SessionStatus.REQUESTED)
        return sessions_move(asked, to=SessionStatus.STARTING)
    return sessions_move(
        waiting,
        to=SessionStatus.FAILED,
        status_reason=failure.detail[:255],
        end_time=command.answered_at or timezone.now(),
    )


def _stop_answered(command: Command) -> None:
    tx = Transaction.objects.filter(pk=(command.params or {}).get("transaction_id")).first()
    if tx is None or tx.transaction_status != TransactionStatus.ACTIVE:
        return
    if command.status == CommandStatus.ACCEPTED:
        sessions = ChargingSession.objects.filter(
            transaction=tx, status__in=(SessionStatus.CHARGING, SessionStatus.SUSPENDED)
        )
        sessions_move(sessions, to=SessionStatus.FINISHING, last_activity=timezone.now())
        return
    why = stop_undeliverable(command=command, tx=tx)
    # Only the driver's own stop: an operator's is the operator's to follow up.
    mine = command.requested_by_id is not None and command.requested_by_id == tx.user_id
    if why is not None and mine:
        transaction_end_by_csms(tx=tx, why=why)


def charger_gone_in(*, tx: Transaction, now: datetime.datetime | None = None) -> float | None:
    """Seconds until the charger of ``tx`` counts as gone (0: it does); None while connected.

    Gone: not connected, and nothing heard of it (its connection, a message
    from it, one about the transaction) for CSMS_DRIVER_CLOSE_OFFLINE_AFTER.
    An OCPP charger that loses its connection charges on and queues its
    messages (1.6 §3.4, 2.0.1 E04): until it is gone, its own stop decides
    and the driver is billed for what it delivers. The charger's row is
    written when its connection ends and at each message (last_updated).
    """
    chargepoint = tx.chargepoint
    if chargepoint.connected:
        return None
    heard = max(chargepoint.last_updated, tx.updated_at)
    gone_at = heard + datetime.timedelta(seconds=settings.CSMS_DRIVER_CLOSE_OFFLINE_AFTER)
    return max(0.0, (gone_at - (now or timezone.now())).total_seconds())


def stop_undeliverable(*, command: Command, tx: Transaction) -> str | None:
    """Why the charger cannot end ``tx`` itself, as the close's note says it; None if it can.

    A stop that never reached it counts only once the charger is gone
    (``charger_gone_in``): one online that did not answer, or offline for a
    moment, may still stop it. A charger that rebooted since the
    transaction was last heard of refuses to stop what it no longer knows
    (OCPP 1.6 RemoteStopTransaction Rejected, 2.0.1 RequestStopTransaction
    Rejected for an unknown transactionId): it is talking, and has said it
    will never send that stop, as its free connector after a reboot says
    to the charger-trust rules (chargepoints/services/transaction_closing.py).
    """
    if command.status in _UNDELIVERED:
        if charger_gone_in(tx=tx) != 0:
            return None
        minutes = settings.CSMS_DRIVER_CLOSE_OFFLINE_AFTER / 60
        return (
            f"its driver asked to end it and the charger {_undelivered(command)} "
            f"(offline, nothing heard of it for {minutes:g} minutes)"
        )
    boot = command.chargepoint.last_boot_at
    if command.status == CommandStatus.REJECTED and boot is not None and boot > tx.updated_at:
        return "its driver asked to end it and the charger, rebooted since, refused the stop"
    return None


def _undelivered(command: Command) -> str:
    if command.status == CommandStatus.CHARGER_OFFLINE:
        return "was offline"
    if command.status == CommandStatus.TIMED_OUT:
        return "did not answer the remote stop"
    return "lost the remote stop (connection closed or error)"


def transaction_end_by_csms(*, tx: Transaction, why: str) -> bool:
    """Close ``tx`` as the operator's close does (flagged for review); False if it had ended."""
    try:
        transaction_close(transaction_id=tx.pk, why=why)
    except TransactionNotActive:
        return False
    return True


def charging_sessions_refresh(*, now: datetime.datetime | None = None) -> None:
    """The periodic sweep: settle starts whose command a sweep ended, time out the others."""
    ended = Command.objects.filter(
        pk__in=ChargingSession.objects.filter(
            status__in=SESSION_PENDING, transaction__isnull=True, start_command__isnull=False
        ).values("start_command"),
    ).exclude(status__in=UNDECIDED)
    for command in ended:
        charging_session_start_answered(command=command)
    charging_sessions_expire(now=now)


def charging_sessions_expire(*, now: datetime.datetime | None = None) -> int:
    """Sessions whose charger started no transaction in time become TIMED_OUT.

    A charger that accepted a remote start waits for the car to be plugged
    in (OCPP 1.6 ConnectionTimeOut, 2.0.1 EVConnectionTimeOut); past our own
    limit the driver is told it did not happen. The session ends at that
    limit, not when the sweep runs.
    """
    timeout = charging_session_start_timeout()
    late = ChargingSession.objects.filter(
        status__in=SESSION_PENDING,
        transaction__isnull=True,
        start_time__lt=(now or timezone.now()) - timeout,
    )
    return sessions_move(
        late,
        to=SessionStatus.TIMED_OUT,
        end_time=F("start_time") + timeout,
        status_reason=TIMEOUT_REASON,
    )

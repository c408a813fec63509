"""A driver ends charging, even a transaction its charger has lost.

Online, the charger is asked to stop (a remote stop, answered later: the
session goes FINISHING when it accepts). A transaction the charger cannot
end itself (offline, no answer, or refused by a charger rebooted since we
last heard of the transaction) would hold the driver's tag for ever and
refuse every new start: on its driver's request the CSMS closes it as the
operator's close does (closed by the CSMS, flagged for review, never billed
as if the charger had stopped it), and the tag is free again.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import User
from chargepoints.enums import SESSION_PENDING, CommandName, TransactionStatus
from chargepoints.models import ChargingSession, Command, Transaction
from chargepoints.services.driving import (
    ChargingRefused,
    chargepoint_online,
    driver_command_send,
)
from chargepoints.services.session_states import (
    charging_session_command_answered,
    command_outcome,
    transaction_end_by_csms,
)

REMOTE_STOP, CLOSED = "REMOTE_STOP", "CLOSED"


@dataclass(frozen=True)
class StopResult:
    # REMOTE_STOP: the charger was asked; CLOSED: the CSMS closed the transaction.
    outcome: str
    transaction: Transaction
    command: Command | None
    detail: str


def _not_active(tx: Transaction) -> ChargingRefused:
    return ChargingRefused(
        "not_active", _("Transaction %(transaction)s is not active.") % {"transaction": tx.pk}
    )


def _closed(tx: Transaction, command: Command | None) -> StopResult:
    tx.refresh_from_db()
    detail = _(
        "The charger could not end transaction %(transaction)s: the CSMS closed it, "
        "and an operator will check it."
    ) % {"transaction": tx.pk}
    return StopResult(CLOSED, tx, command, detail)


def transaction_end(*, user: User, tx: Transaction) -> StopResult:
    """End a transaction: a remote stop, or, for its driver, the CSMS's close when the
    charger cannot."""
    if tx.transaction_status != TransactionStatus.ACTIVE:
        raise _not_active(tx)
    own = tx.user_id is not None and tx.user_id == user.pk
    if own and not tx.chargepoint.connected:
        why = "its driver asked to end it and the charger was offline"
        if not transaction_end_by_csms(tx=tx, why=why):
            raise _not_active(tx)
        return _closed(tx, None)
    chargepoint_online(tx.chargepoint)
    command = driver_command_send(
        chargepoint=tx.chargepoint,
        name=CommandName.REMOTE_STOP,
        params={"transaction_id": tx.pk},
        user=user,
        wait=0,
    )
    # A connection that never took it ends the command without an answer:
    # what follows from that is decided here, as an answer's is.
    charging_session_command_answered(command=command)
    if Transaction.objects.filter(pk=tx.pk, closed_by_csms=True).exists():
        return _closed(tx, command)
    outcome = command_outcome(command)
    if outcome is not None:
        raise ChargingRefused(outcome.code, outcome.detail, transaction_id=tx.pk)
    detail = _("The charger was asked to stop; the session follows its answer.")
    return StopResult(REMOTE_STOP, tx, command, detail)


def charging_session_stop(*, user: User, session: ChargingSession) -> StopResult:
    if session.transaction_id is None:
        if session.status in SESSION_PENDING:
            raise ChargingRefused(
                "not_started",
                _("Charging has not started yet: plug the car in, or wait."),
                session_id=session.session_id,
            )
        raise ChargingRefused(
            "not_active",
            _("Session %(session)s is not active.") % {"session": session.session_id},
        )
    return transaction_end(user=user, tx=session.transaction)

"""A driver ends charging, even a transaction its charger has lost, or cancels a start.

Online, the charger is asked to stop (a remote stop, answered later: the
session goes FINISHING when it accepts). A transaction the charger cannot
end itself would hold the driver's tag for ever and refuse every new start:
on its driver's request the CSMS closes it as the operator's close does
(closed by the CSMS, flagged for review, never billed as if the charger had
stopped it; the charger's own stop, should it still come, completes it),
and the tag is free again. That is when the charger is gone (offline and
unheard of for CSMS_DRIVER_CLOSE_OFFLINE_AFTER: an OCPP charger charges on
offline and reports its stop when back, which decides what is billed), or
refuses the stop having rebooted since the transaction was last heard of.
Offline for less, the driver is told when to ask again (409
charger_offline, ``retry_after``) and nothing is recorded.

A start still waiting for its charger is canceled (session_cancel.py).
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from chargepoints.enums import SESSION_PENDING, CommandName, TransactionStatus
from chargepoints.models import ChargingSession, Command, Transaction
from chargepoints.services.driving import (
    ChargingRefused,
    chargepoint_online,
    driver_command_send,
)
from chargepoints.services.session_cancel import charging_session_cancel
from chargepoints.services.session_states import (
    charger_gone_in,
    charging_session_command_answered,
    command_outcome,
    transaction_end_by_csms,
)

REMOTE_STOP, CLOSED, CANCELED = "REMOTE_STOP", "CLOSED", "CANCELED"


@dataclass(frozen=True)
class StopResult:
    # REMOTE_STOP: the charger was asked; CLOSED: the CSMS closed the transaction;
    # CANCELED: the start was still waiting for its charger (no transaction).
    outcome: str
    transaction: Transaction | None
    command: Command | None
    detail: str
    session: ChargingSession | None = None


def _not_active(tx: Transaction) -> ChargingRefused:
    return ChargingRefused(
        "not_active", _("Transaction %(transaction)s is not active.") % {"transaction": tx.pk}
    )


def _offline_for_now(tx: Transaction, wait: float) -> ChargingRefused:
    """A driver's stop at a charger offline too briefly to count as gone: ask again later."""
    retry_after = math.ceil(wait)
    detail = _(
        "Charge point %(chargepoint)s is offline: it may still be charging and will report "
        "the end itself. Ask again in %(minutes)s minutes to have transaction "
        "%(transaction)s closed if the charger has not come back."
    ) % {
        "chargepoint": tx.chargepoint_id,
        "minutes": max(1, math.ceil(wait / 60)),
        "transaction": tx.pk,
    }
    return ChargingRefused("charger_offline", detail, transaction_id=tx.pk, retry_after=retry_after)


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
    wait = charger_gone_in(tx=tx) if own else None
    if wait:
        raise _offline_for_now(tx, wait)
    if wait == 0:
        minutes = settings.CSMS_DRIVER_CLOSE_OFFLINE_AFTER / 60
        why = (
            "its driver asked to end it and the charger was offline "
            f"(nothing heard of it for {minutes:g} minutes)"
        )
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
    """Stop the session's transaction, or cancel its start still waiting for the charger."""
    if session.transaction_id is None and session.status in SESSION_PENDING:
        if charging_session_cancel(session=session):
            session.refresh_from_db()
            detail = _("The start was canceled; should the charger start anyway, it is stopped.")
            return StopResult(CANCELED, None, None, detail, session=session)
        # Its transaction (or its end) came first: that decides.
        session.refresh_from_db()
    if session.transaction_id is None:
        raise ChargingRefused(
            "not_active",
            _("Session %(session)s is not active.") % {"session": session.session_id},
        )
    return transaction_end(user=user, tx=session.transaction)

"""Charging sessions (seed 003): a driver's charging as the app follows it.

A session begins when a driver asks to charge, before the charger has a
transaction; it is matched to the transaction when the charger starts one.
A transaction started at the charger (an RFID card of a registered driver)
gets a session of its own, so the app shows every charging of its driver.

A session's status moves only when something happens (SessionStatus says
what moves it); every move is noted to its driver's live socket.
"""

import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.services.live import SESSION, user_note
from chargepoints.enums import SESSION_PENDING, ChargingState, SessionStatus
from chargepoints.models import ChargingSession, Transaction
from csms.rows import RowReader

# A session asked for this long ago can no longer be the one a charger starts.
_MATCH_WINDOW = datetime.timedelta(hours=1)
# A late start revives a session that had timed out.
_MATCHABLE = (*SESSION_PENDING, SessionStatus.TIMED_OUT)
_PAUSED = (ChargingState.SUSPENDED_EV, ChargingState.SUSPENDED_EVSE)
TIMEOUT_REASON = "The charger started no transaction in time (was the car plugged in?)."


def charging_session_start_timeout() -> datetime.timedelta:
    """How long a charger may take to start a transaction after a remote start."""
    return datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT)


def sessions_move(sessions: QuerySet[ChargingSession], *, to: str, **fields) -> int:
    """Move these sessions to ``to``, each only if no one moved it meanwhile; tell their drivers.

    A conditional update per session: the charger's answer, its transaction
    and the periodic sweep may each try to move the same session at once.
    """
    moved = 0
    now = timezone.now()
    rows = sessions.order_by().values_list("pk", "session_id", "user_id", "status")
    for pk, session_id, user_id, status in list(rows):
        if ChargingSession.objects.filter(pk=pk, status=status).update(
            status=to, updated_at=now, **fields
        ):
            user_note(user_id=user_id, what=SESSION, id=session_id)
            moved += 1
    return moved


def _unmatched(tx: Transaction):
    return ChargingSession.objects.select_for_update().filter(
        chargepoint_id=tx.chargepoint_id,
        transaction__isnull=True,
        status__in=_MATCHABLE,
        start_time__gte=timezone.now() - _MATCH_WINDOW,
    )


# A charger's sessions still without a transaction, by status: most starts
# find none, so this read (compiled once, csms/rows.py) spares them the search
# below. By status, so the index on (chargepoint, status) finds them without
# reading the charger's whole history.
_WITHOUT_TRANSACTION = RowReader(
    ChargingSession, ["chargepoint", "status"], null=["transaction"], fields=["start_time"]
)


def _awaiting(tx: Transaction) -> bool:
    """Whether any session of the charger could still be the one this transaction starts."""
    since = timezone.now() - _MATCH_WINDOW
    return any(
        session.start_time >= since
        for status in _MATCHABLE
        for session in _WITHOUT_TRANSACTION.all(tx.chargepoint_id, status)
    )


def _asked_for(tx: Transaction) -> ChargingSession | None:
    candidates = _unmatched(tx)
    session = None
    if tx.remote_start_id is not None:
        session = candidates.filter(remote_start_id=tx.remote_start_id).first()
    if session is None and tx.id_token:
        session = (
            candidates.filter(id_tag__idToken__iexact=tx.id_token)
            .filter(Q(connector=tx.connector) | Q(connector__isnull=True))
            .order_by("-start_time")
            .first()
        )
    return session


def charging_session_attach(*, tx: Transaction) -> ChargingSession | None:
    """Give a new transaction its session: the one the driver asked for, or a new one.

    OCPP 2.0.1 echoes our remoteStartId (F01.FR.26), which names the session
    exactly; OCPP 1.6 has no such id, so the session asked for with the same
    tag on the same connector (or on any connector of the charger) is it.
    A late start revives a session that had timed out. The session is
    CHARGING, or SUSPENDED when the charger starts the transaction paused.
    """
    session = _asked_for(tx) if _awaiting(tx) else None
    if session is None:
        if tx.user_id is None:
            return None
        session = ChargingSession(
            chargepoint_id=tx.chargepoint_id,
            user_id=tx.user_id,
            id_tag_id=tx.id_tag_id,
            start_time=tx.start_transaction_timestamp,
        )
    session.transaction = tx
    session.connector = tx.connector
    paused = tx.charging_state in _PAUSED
    session.status = SessionStatus.SUSPENDED if paused else SessionStatus.CHARGING
    session.status_reason = ""
    session.end_time = None
    session.last_activity = timezone.now()
    session.save()
    user_note(user_id=session.user_id, what=SESSION, id=session.session_id)
    if session.vehicle_id and tx.vehicle_id is None:
        tx.vehicle_id = session.vehicle_id
        tx.save(update_fields=["vehicle", "updated_at"])
    return session


def charging_session_touch(*, tx: Transaction) -> None:
    now = timezone.now()
    ChargingSession.objects.filter(transaction=tx).update(last_activity=now, updated_at=now)


def charging_session_finish(*, tx: Transaction) -> None:
    """The transaction ended (its charger's stop, or the CSMS's close): its session is complete."""
    sessions_move(
        ChargingSession.objects.filter(transaction=tx, end_time__isnull=True),
        to=SessionStatus.COMPLETED,
        end_time=tx.stop_transaction_timestamp or timezone.now(),
        last_activity=timezone.now(),
    )

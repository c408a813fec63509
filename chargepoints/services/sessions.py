"""Charging sessions (seed 003): a driver's charging as the app follows it.

A session begins when a driver asks to charge, before the charger has a
transaction; it is matched to the transaction when the charger starts one.
A transaction started at the charger (an RFID card of a registered driver)
gets a session of its own, so the app shows every charging of its driver.
"""

import datetime

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from chargepoints.enums import SessionStatus
from chargepoints.models import ChargingSession, Transaction
from csms.rows import RowReader

# A session asked for this long ago can no longer be the one a charger starts.
_MATCH_WINDOW = datetime.timedelta(hours=1)
_MATCHABLE = (SessionStatus.ACTIVE, SessionStatus.TIMEOUT)
TIMEOUT_REASON = "The charger started no transaction in time (was the car plugged in?)."


def charging_session_start_timeout() -> datetime.timedelta:
    """How long a charger may take to start a transaction after accepting a remote start."""
    return datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT)


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
    A late start revives a session that had timed out.
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
    session.status = SessionStatus.ACTIVE
    session.status_reason = ""
    session.end_time = None
    session.last_activity = timezone.now()
    session.save()
    if session.vehicle_id and tx.vehicle_id is None:
        tx.vehicle_id = session.vehicle_id
        tx.save(update_fields=["vehicle", "updated_at"])
    return session


def charging_session_touch(*, tx: Transaction) -> None:
    ChargingSession.objects.filter(transaction=tx).update(last_activity=timezone.now())


def charging_session_finish(*, tx: Transaction) -> None:
    """The transaction ended: its session is complete."""
    ChargingSession.objects.filter(transaction=tx, end_time__isnull=True).update(
        status=SessionStatus.COMPLETED,
        end_time=tx.stop_transaction_timestamp or timezone.now(),
        last_activity=timezone.now(),
    )


def charging_sessions_expire(*, now: datetime.datetime | None = None) -> int:
    """Sessions whose charger never started a transaction in time become TIMEOUT.

    A charger that accepted a remote start waits for the car to be plugged
    in (OCPP 1.6 ConnectionTimeOut, 2.0.1 EVConnectionTimeOut); past our own
    limit the driver is told it did not happen. The session ends at that
    limit, not when this runs, so a read that works the status out before
    the periodic sweep writes it shows the same end.
    """
    timeout = charging_session_start_timeout()
    return ChargingSession.objects.filter(
        status=SessionStatus.ACTIVE,
        transaction__isnull=True,
        start_time__lt=(now or timezone.now()) - timeout,
    ).update(
        status=SessionStatus.TIMEOUT,
        end_time=F("start_time") + timeout,
        status_reason=TIMEOUT_REASON,
    )

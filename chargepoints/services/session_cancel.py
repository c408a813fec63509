"""A driver cancels a start still waiting for its charger, and the charger is disarmed.

OCPP has no way to take back a remote start the charger accepted: it waits
for the car (1.6 ConnectionTimeOut, 2.0.1 EVConnectionTimeOut) and starts a
transaction when one is plugged in. So the session ends FAILED at once,
with ``CANCELED_REASON`` (the state list has no CANCELED of its own), and a
transaction that would have been this session's, should the charger still
start it, is stopped at once by a remote stop and is not the session's: the
same remoteStartId on 2.0.1 (F01.FR.26 echoes it), on 1.6 (no such id) the
same tag on the same connector within CSMS_SESSION_START_TIMEOUT of the
request. Once only: a later start with that tag is the driver's own again.
"""

import datetime

from django.db.models import Q
from django.utils import timezone

from accounts.services.live import SESSION, user_note
from chargepoints.enums import SESSION_PENDING, CommandName, CommandSource, SessionStatus
from chargepoints.models import ChargingSession, Transaction
from chargepoints.services.commands import command_request_on_commit
from chargepoints.services.sessions import charging_session_start_timeout, sessions_move

# A remoteStartId names its start exactly: it is matched as long as a start
# is matched to its session (chargepoints/services/sessions.py).
_ECHO_WINDOW = datetime.timedelta(hours=1)
CANCELED_REASON = "Canceled by the driver."
# The same, once the transaction the charger still started was stopped.
DISARMED_REASON = "Canceled by the driver; the charger started anyway and was told to stop."


def charging_session_cancel(*, session: ChargingSession) -> bool:
    """End a start still waiting for its charger (FAILED, ``CANCELED_REASON``).

    False when it was not waiting any more: the charger's transaction (or
    its refusal, or the sweep) came first.
    """
    waiting = ChargingSession.objects.filter(
        pk=session.pk, status__in=SESSION_PENDING, transaction__isnull=True
    )
    now = timezone.now()
    moved = sessions_move(
        waiting, to=SessionStatus.FAILED, status_reason=CANCELED_REASON, end_time=now
    )
    return bool(moved)


def _canceled_for(tx: Transaction) -> ChargingSession | None:
    # Recent ones only: the index on (chargepoint, status) finds them without
    # reading every start of the charger that ever failed.
    canceled = ChargingSession.objects.select_for_update().filter(
        chargepoint_id=tx.chargepoint_id,
        status=SessionStatus.FAILED,
        transaction__isnull=True,
        status_reason=CANCELED_REASON,
    )
    now = timezone.now()
    if tx.remote_start_id is not None:
        return canceled.filter(
            remote_start_id=tx.remote_start_id, start_time__gte=now - _ECHO_WINDOW
        ).first()
    if not tx.id_token or tx.connector_id is None:
        return None
    since = now - charging_session_start_timeout()
    return (
        canceled.filter(id_tag__idToken__iexact=tx.id_token, start_time__gte=since)
        .filter(Q(connector_id=tx.connector_id) | Q(connector__isnull=True))
        .order_by("-start_time")
        .first()
    )


def transaction_start_disarm(*, tx: Transaction) -> bool:
    """The charger started ``tx`` for a start its driver canceled: stop it; True if so.

    Called as the start is stored (chargepoints/services/transactions.py):
    the remote stop leaves once it is committed, and ``tx`` gets no session
    (the driver is not told that charging started).
    """
    session = _canceled_for(tx)
    if session is None:
        return False
    command_request_on_commit(
        chargepoint_id=tx.chargepoint_id,
        name=CommandName.REMOTE_STOP,
        params={"transaction_id": tx.pk},
        source=CommandSource.API,
        requested_by=session.user,
    )
    ChargingSession.objects.filter(pk=session.pk).update(
        status_reason=DISARMED_REASON, updated_at=timezone.now()
    )
    user_note(user_id=session.user_id, what=SESSION, id=session.session_id)
    return True

"""A driver starts charging: one start waiting per connector and per driver, answered at once.

The remote start is handed to the charger's connection and the request
returns without waiting for the charger's answer (a charger that never
answers must not hold an app's request); the answer, when it comes, moves
the session (chargepoints/services/session_states.py), and the app follows
it live. A driver asking again for the same start (charger, connector, and
tag and vehicle if named) while it is waiting gets that session back; a
start of anything else is refused (start_pending, naming the waiting one,
which the driver may cancel: session_cancel.py). Two requests at once
cannot both make one (the database's partial unique constraints on
connector and on driver).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import IdTag, User, UserVehicle
from accounts.services.live import SESSION, user_note
from chargepoints.commands.targets import new_request_id
from chargepoints.enums import SESSION_PENDING, CommandName, SessionStatus
from chargepoints.models import ChargePoint, ChargingSession, Connector
from chargepoints.services.driving import (
    ChargingRefused,
    chargepoint_online,
    connector_busy,
    connector_free,
    driver_allowed,
    driver_command_send,
    driver_connector,
    driver_tag,
)
from chargepoints.services.session_states import (
    charging_session_start_answered,
    command_outcome,
)


@dataclass(frozen=True)
class StartResult:
    session: ChargingSession
    # False: the driver's start already waiting, given back.
    created: bool


def charging_session_pending(*, user: User) -> ChargingSession | None:
    """The driver's start still waiting for its charger, if any (there is one at most)."""
    return (
        ChargingSession.objects.filter(
            user=user, status__in=SESSION_PENDING, transaction__isnull=True
        )
        .select_related("connector", "start_command", "id_tag")
        .first()
    )


def _asked_again(
    pending: ChargingSession,
    *,
    connector: Connector,
    id_tag: str | None,
    vehicle: UserVehicle | None,
) -> StartResult:
    """The driver's waiting start, if this request asks for the very same; else refused.

    Given back silently, another start (elsewhere, or with another tag or
    vehicle) would look to the app as if it had been made.
    """
    same = (
        pending.connector_id == connector.pk
        and (not id_tag or _tag_name(pending.id_tag).lower() == id_tag.lower())
        and (vehicle is None or pending.vehicle_id == vehicle.pk)
    )
    if same:
        return StartResult(pending, created=False)
    raise ChargingRefused(
        "start_pending",
        _(
            "Your start at %(chargepoint)s, connector %(connector)s, is still waiting for the "
            "charger: cancel it (stop session %(session)s) to start another."
        )
        % {
            "chargepoint": pending.chargepoint_id,
            "connector": pending.connector.connectorid if pending.connector else "?",
            "session": pending.session_id,
        },
        session_id=pending.session_id,
        chargepoint_id=pending.chargepoint_id,
        connector_id=pending.connector.connectorid if pending.connector else None,
    )


def _tag_name(tag: IdTag | None) -> str:
    return tag.idToken if tag is not None else ""


def charging_session_start(
    *,
    user: User,
    chargepoint: ChargePoint,
    connector_id: int | None = None,
    id_tag: str | None = None,
    vehicle_id: int | None = None,
) -> StartResult:
    """Ask the charger to start charging for the driver (a remote start), without waiting.

    The session is recorded before the command goes out: a 2.0.1 charger may
    send its TransactionEvent, echoing our remoteStartId, before it answers.
    """
    driver_allowed(user)
    vehicle = None
    if vehicle_id is not None:
        vehicle = UserVehicle.objects.filter(pk=vehicle_id, user=user).first()
        if vehicle is None:
            raise ValidationError(
                {
                    "vehicle": [
                        _("Vehicle %(vehicle)s is not one of yours.") % {"vehicle": vehicle_id}
                    ]
                }
            )
    connector = driver_connector(chargepoint, connector_id)
    pending = charging_session_pending(user=user)
    if pending is not None:
        return _asked_again(pending, connector=connector, id_tag=id_tag, vehicle=vehicle)
    tag = driver_tag(user=user, id_tag=id_tag, starting=True)
    chargepoint_online(chargepoint)
    connector_free(connector, user=user)
    try:
        with db_transaction.atomic():
            session = ChargingSession.objects.create(
                chargepoint=chargepoint,
                connector=connector,
                user=user,
                id_tag=tag,
                vehicle=vehicle,
                remote_start_id=new_request_id(),
                status=SessionStatus.REQUESTED,
            )
    except IntegrityError:
        # Another request made one first: the driver's own, or someone else's on this connector.
        pending = charging_session_pending(user=user)
        if pending is not None:
            return _asked_again(pending, connector=connector, id_tag=id_tag, vehicle=vehicle)
        raise connector_busy(connector) from None
    user_note(user_id=user.pk, what=SESSION, id=session.session_id)
    command = driver_command_send(
        chargepoint=chargepoint,
        name=CommandName.REMOTE_START,
        params={
            "id_tag": tag.idToken,
            "connector_id": connector.connectorid,
            "remote_start_id": session.remote_start_id,
        },
        user=user,
        wait=0,
    )
    ChargingSession.objects.filter(pk=session.pk).update(
        start_command=command, updated_at=timezone.now()
    )
    # Handed to the connection (STARTING), or never (offline: FAILED); an
    # answer that came already has moved it.
    charging_session_start_answered(command=command)
    session.refresh_from_db()
    if session.status == SessionStatus.FAILED:
        outcome = command_outcome(command)
        if outcome is not None:
            raise ChargingRefused(outcome.code, outcome.detail, session_id=session.session_id)
    return StartResult(session, created=True)

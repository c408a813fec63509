"""What a driver asks of a charger through the app: start, stop, reserve, cancel.

Each request is checked here first (whose tag, which connector, is the
charger there and free), then sent through the command service like any
operator command, so it is recorded and routed the same way. Nothing here
holds a database transaction while waiting for a charger's answer.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.db.models import Q
from django.utils import timezone

from accounts.enums import AuthorizationStatus
from accounts.models import IdTag, User, UserVehicle
from chargepoints.commands.targets import new_request_id
from chargepoints.enums import (
    AvailabilityType,
    ChargePointStatus,
    CommandName,
    CommandSource,
    CommandStatus,
    ReservationStatus,
    SessionStatus,
    TransactionStatus,
)
from chargepoints.models import (
    ChargePoint,
    ChargingSession,
    Command,
    Connector,
    Reservation,
    Transaction,
)
from chargepoints.services.authorization import idtag_authorize
from chargepoints.services.commands import command_request
from chargepoints.services.reservations import reservation_expiry_problem
from chargepoints.services.sessions import charging_sessions_expire


class ChargingRefused(Exception):
    """The request is well-formed but cannot be done now (the API answers 409)."""

    def __init__(self, code: str, detail: str, *, session: ChargingSession | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.session = session


class AccountNotAllowed(Exception):
    """The account may not charge (seed 003: BLOCKED or EXPIRED); the API answers 403."""


# Connector states (1.6 names; 2.0.1 reports Occupied/Reserved/...) in which a
# new charging cannot start.
_BUSY = frozenset(
    {
        ChargePointStatus.CHARGING,
        ChargePointStatus.SUSPENDED_EV,
        ChargePointStatus.SUSPENDED_EVSE,
        ChargePointStatus.FINISHING,
    }
)
_OUT_OF_SERVICE = frozenset({ChargePointStatus.UNAVAILABLE, ChargePointStatus.FAULTED})


def _send(*, chargepoint: ChargePoint, name: str, params: dict, user: User) -> Command:
    return command_request(
        chargepoint_id=chargepoint.pk,
        name=name,
        params=params,
        source=CommandSource.API,
        requested_by=user,
    )


def _allowed(user: User) -> None:
    if not user.may_charge:
        raise AccountNotAllowed(f"This account is {user.get_status_display().lower()}.")


def _online(chargepoint: ChargePoint) -> None:
    if not chargepoint.connected:
        raise ChargingRefused("charger_offline", f"Charge point {chargepoint.pk} is offline.")


def driver_tag(*, user: User, id_tag: str | None, starting: bool) -> IdTag:
    """The driver's tag to charge with: the one named, else their first usable one."""
    tags = IdTag.objects.filter(user=user)
    if id_tag:
        tag = tags.filter(idToken__iexact=id_tag).first()
        if tag is None:
            raise ValidationError({"id_tag": [f"{id_tag!r} is not one of your id tags."]})
        auth = idtag_authorize(id_token=tag.idToken, check_concurrent=starting)
        if auth.status == AuthorizationStatus.CONCURRENT_TX:
            raise ChargingRefused("already_charging", f"Id tag {tag.idToken} is already charging.")
        if not auth.accepted:
            raise ValidationError({"id_tag": [f"Id tag {tag.idToken} is {auth.status.lower()}."]})
        return tag
    for tag in tags.order_by("created_at", "idToken"):
        if idtag_authorize(id_token=tag.idToken, check_concurrent=starting).accepted:
            return tag
    if tags.exists():
        raise ChargingRefused(
            "no_usable_tag",
            "None of your id tags can start charging now (blocked, expired or busy).",
        )
    raise ValidationError({"id_tag": ["You have no id tag yet: add one first."]})


def _connector(chargepoint: ChargePoint, connector_id: int | None) -> Connector:
    if connector_id is None:
        connectors = list(chargepoint.connectors.all()[:2])
        if len(connectors) == 1:
            return connectors[0]
        raise ValidationError(
            {"connector_id": ["This charge point has several connectors: choose one."]}
        )
    # Not targets.connector_find: a driver may only name a connector we know.
    connector = chargepoint.connectors.filter(connectorid=connector_id).first()
    if connector is None:
        raise ValidationError(
            {"connector_id": [f"Charge point {chargepoint.pk} has no connector {connector_id}."]}
        )
    return connector


def _connector_free(connector: Connector, *, user: User) -> None:
    if (
        connector.availability_status == AvailabilityType.INOPERATIVE
        or connector.connector_status in _OUT_OF_SERVICE
    ):
        raise ChargingRefused(
            "connector_unavailable", f"Connector {connector.connectorid} is out of service."
        )
    busy = (
        connector.connector_status in _BUSY
        or connector.transactions.filter(transaction_status=TransactionStatus.ACTIVE).exists()
    )
    pending = ChargingSession.objects.filter(
        connector=connector, status=SessionStatus.ACTIVE, transaction__isnull=True
    ).exclude(user=user)
    if busy or pending.exists():
        raise ChargingRefused("connector_busy", f"Connector {connector.connectorid} is in use.")
    reserved = Reservation.objects.filter(
        Q(connector=connector) | Q(connector__isnull=True),
        chargepoint_id=connector.chargepoint_id,
        status=ReservationStatus.ACTIVE,
        expiry_date__gt=timezone.now(),
    ).exclude(user=user)
    if reserved.exists():
        raise ChargingRefused(
            "connector_reserved", f"Connector {connector.connectorid} is reserved for someone else."
        )


# Accepted, or not answered yet: nothing has gone wrong so far.
_UNDECIDED = (CommandStatus.ACCEPTED, CommandStatus.PENDING, CommandStatus.SENT)


@dataclass(frozen=True)
class Outcome:
    code: str
    detail: str


def command_outcome(command: Command) -> Outcome | None:
    """Why a command did not work, in words for a driver; None when it did or may yet."""
    if command.status in _UNDECIDED:
        return None
    if command.status == CommandStatus.CHARGER_OFFLINE:
        return Outcome("charger_offline", f"Charge point {command.chargepoint_id} is offline.")
    if command.status == CommandStatus.REJECTED:
        answer = (command.response or {}).get("status", "Rejected")
        return Outcome("charger_rejected", f"The charger refused ({answer}).")
    if command.status == CommandStatus.TIMED_OUT:
        return Outcome("charger_timeout", "The charger did not answer in time.")
    return Outcome("charger_error", command.error_description or "The charger reported an error.")


def charging_session_start(
    *,
    user: User,
    chargepoint: ChargePoint,
    connector_id: int | None = None,
    id_tag: str | None = None,
    vehicle_id: int | None = None,
) -> ChargingSession:
    """Ask the charger to start charging for the driver (a remote start).

    The session is recorded before the command goes out: a 2.0.1 charger may
    send its TransactionEvent, echoing our remoteStartId, before it answers.
    """
    _allowed(user)
    vehicle = None
    if vehicle_id is not None:
        vehicle = UserVehicle.objects.filter(pk=vehicle_id, user=user).first()
        if vehicle is None:
            raise ValidationError({"vehicle": [f"Vehicle {vehicle_id} is not one of yours."]})
    connector = _connector(chargepoint, connector_id)
    tag = driver_tag(user=user, id_tag=id_tag, starting=True)
    _online(chargepoint)
    charging_sessions_expire()
    _connector_free(connector, user=user)

    session = ChargingSession.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=user,
        id_tag=tag,
        vehicle=vehicle,
        remote_start_id=new_request_id(),
    )
    command = _send(
        chargepoint=chargepoint,
        name=CommandName.REMOTE_START,
        params={
            "id_tag": tag.idToken,
            "connector_id": connector.connectorid,
            "remote_start_id": session.remote_start_id,
        },
        user=user,
    )
    session.start_command = command
    session.save(update_fields=["start_command"])
    outcome = command_outcome(command)
    if outcome is not None:
        _session_fail(session, outcome.detail)
        raise ChargingRefused(outcome.code, outcome.detail, session=session)
    session.refresh_from_db()
    return session


def _session_fail(session: ChargingSession, reason: str) -> None:
    # It ended when the charger refused (or we gave up on) the start: what the
    # API showed before this was written down (api/charging/selectors.py).
    command = session.start_command
    ended = (command.answered_at if command is not None else None) or timezone.now()
    # Only a session still waiting: the transaction may already have started.
    ChargingSession.objects.filter(
        pk=session.pk, status=SessionStatus.ACTIVE, transaction__isnull=True
    ).update(status=SessionStatus.FAILED, status_reason=reason[:255], end_time=ended)
    session.refresh_from_db()


def charging_sessions_refresh(*, now: datetime.datetime | None = None) -> None:
    """Settle sessions still waiting: failed remote starts, and starts that never came."""
    waiting = ChargingSession.objects.filter(
        status=SessionStatus.ACTIVE, transaction__isnull=True, start_command__isnull=False
    ).exclude(
        start_command__status__in=[
            CommandStatus.ACCEPTED,
            CommandStatus.PENDING,
            CommandStatus.SENT,
        ]
    )
    for session in waiting.select_related("start_command"):
        outcome = command_outcome(session.start_command)
        if outcome is not None:
            _session_fail(session, outcome.detail)
    charging_sessions_expire(now=now)


def transaction_remote_stop(*, user: User, tx: Transaction) -> Command:
    """Ask the charger to end the transaction; its stop message completes it."""
    if tx.transaction_status != TransactionStatus.ACTIVE:
        raise ChargingRefused("not_active", f"Transaction {tx.pk} is not active.")
    _online(tx.chargepoint)
    command = _send(
        chargepoint=tx.chargepoint,
        name=CommandName.REMOTE_STOP,
        params={"transaction_id": tx.pk},
        user=user,
    )
    outcome = command_outcome(command)
    if outcome is not None:
        raise ChargingRefused(outcome.code, outcome.detail)
    return command


def charging_session_stop(*, user: User, session: ChargingSession) -> Command:
    if session.transaction_id is None:
        if session.status == SessionStatus.ACTIVE:
            raise ChargingRefused(
                "not_started", "Charging has not started yet: plug the car in, or wait."
            )
        raise ChargingRefused("not_active", f"Session {session.session_id} is not active.")
    return transaction_remote_stop(user=user, tx=session.transaction)


@dataclass(frozen=True)
class ReservationResult:
    command: Command
    reservation: Reservation | None


def reservation_request(
    *,
    user: User,
    chargepoint: ChargePoint,
    expiry_date: datetime.datetime,
    connector_id: int | None = None,
    id_tag: str | None = None,
) -> ReservationResult:
    """Reserve a connector (or any connector of the charger) until ``expiry_date``."""
    _allowed(user)
    problem = reservation_expiry_problem(expiry_date)
    if problem:
        raise ValidationError({"expiry_date": [problem]})
    if connector_id is not None:
        _connector(chargepoint, connector_id)
    tag = driver_tag(user=user, id_tag=id_tag, starting=False)
    _online(chargepoint)
    params = {"id_tag": tag.idToken, "expiry_date": expiry_date.isoformat()}
    if connector_id is not None:
        params["connector_id"] = connector_id
    command = _send(chargepoint=chargepoint, name=CommandName.RESERVE_NOW, params=params, user=user)
    outcome = command_outcome(command)
    if outcome is not None:
        raise ChargingRefused(outcome.code, outcome.detail)
    reservation = Reservation.objects.filter(
        reservation_id=command.params["reservation_id"]
    ).first()
    if reservation is not None and reservation.user_id is None:
        # Owned by the driver who asked, whatever the tag's owner field says.
        reservation.user = user
        reservation.save(update_fields=["user"])
    return ReservationResult(command=command, reservation=reservation)


def reservation_cancel(*, user: User, reservation: Reservation) -> Command:
    if reservation.status != ReservationStatus.ACTIVE:
        raise ChargingRefused(
            "not_active", f"Reservation {reservation.reservation_id} is not active."
        )
    _online(reservation.chargepoint)
    command = _send(
        chargepoint=reservation.chargepoint,
        name=CommandName.CANCEL_RESERVATION,
        params={"reservation_id": reservation.reservation_id},
        user=user,
    )
    outcome = command_outcome(command)
    if outcome is not None:
        raise ChargingRefused(outcome.code, outcome.detail)
    reservation.refresh_from_db()
    return command


@db_transaction.atomic
def reservations_expire(*, now: datetime.datetime | None = None) -> int:
    """Reservations past their expiry date are EXPIRED (the charger freed them itself)."""
    return Reservation.objects.filter(
        status=ReservationStatus.ACTIVE, expiry_date__lte=now or timezone.now()
    ).update(status=ReservationStatus.EXPIRED)

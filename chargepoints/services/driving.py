"""What a driver asks of a charger through the app: the checks, and reservations.

Each request is checked here first (whose tag, which connector, is the
charger there and free), then sent through the command service like any
operator command, so it is recorded and routed the same way. Nothing here
holds a database transaction while waiting for a charger's answer. Starting
and stopping charging: chargepoints/services/session_start.py and session_stop.py.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enums import AuthorizationStatus
from accounts.models import IdTag, User
from chargepoints.enums import (
    SESSION_PENDING,
    AvailabilityType,
    ChargePointStatus,
    CommandName,
    CommandSource,
    ReservationStatus,
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
from chargepoints.services.session_states import command_outcome, offline_detail


class ChargingRefused(Exception):
    """The request is well-formed but cannot be done now (the API answers 409).

    ``extra``: what the answer names beside its code (``session_id``,
    ``transaction_id``), for the app to act on.
    """

    def __init__(self, code: str, detail: str, **extra):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = {key: value for key, value in extra.items() if value is not None}


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
# The start statuses of a transaction its tag is charging with (as authorization counts them).
_AUTHORIZED_STARTS = (AuthorizationStatus.ACCEPTED, "")


def driver_command_send(
    *, chargepoint: ChargePoint, name: str, params: dict, user: User, wait: float | None = None
) -> Command:
    return command_request(
        chargepoint_id=chargepoint.pk,
        name=name,
        params=params,
        source=CommandSource.API,
        requested_by=user,
        wait=wait,
    )


def driver_allowed(user: User) -> None:
    if not user.may_charge:
        raise AccountNotAllowed(
            _("This account is %(status)s.") % {"status": user.get_status_display().lower()}
        )


def chargepoint_online(chargepoint: ChargePoint) -> None:
    if not chargepoint.connected:
        raise ChargingRefused("charger_offline", offline_detail(chargepoint.pk))


def _tag_held(tag: IdTag) -> ChargingRefused:
    """The tag is charging already: the refusal names the transaction, for the driver to end it."""
    tx = (
        Transaction.objects.filter(
            id_tag=tag,
            transaction_status=TransactionStatus.ACTIVE,
            start_status__in=_AUTHORIZED_STARTS,
        )
        .select_related("session")
        .order_by("-start_transaction_timestamp")
        .first()
    )
    session = getattr(tx, "session", None) if tx is not None else None
    return ChargingRefused(
        "tag_in_transaction",
        _(
            "Id tag %(tag)s is held by transaction %(transaction)s, still open: "
            "end it (stop) to start again."
        )
        % {"tag": tag.idToken, "transaction": tx.pk if tx else "?"},
        transaction_id=tx.pk if tx else None,
        session_id=session.session_id if session is not None else None,
    )


def driver_tag(*, user: User, id_tag: str | None, starting: bool) -> IdTag:
    """The driver's tag to charge with: the one named, else their first usable one."""
    tags = IdTag.objects.filter(user=user)
    if id_tag:
        tag = tags.filter(idToken__iexact=id_tag).first()
        if tag is None:
            raise ValidationError(
                {"id_tag": [_("%(tag)r is not one of your id tags.") % {"tag": id_tag}]}
            )
        auth = idtag_authorize(id_token=tag.idToken, check_concurrent=starting)
        if auth.status == AuthorizationStatus.CONCURRENT_TX:
            raise _tag_held(tag)
        if not auth.accepted:
            raise ValidationError(
                {
                    "id_tag": [
                        _("Id tag %(tag)s is %(status)s.")
                        % {"tag": tag.idToken, "status": auth.status.lower()}
                    ]
                }
            )
        return tag
    held = None
    for tag in tags.order_by("created_at", "idToken"):
        auth = idtag_authorize(id_token=tag.idToken, check_concurrent=starting)
        if auth.accepted:
            return tag
        if auth.status == AuthorizationStatus.CONCURRENT_TX and held is None:
            held = tag
    if held is not None:
        raise _tag_held(held)
    if tags.exists():
        raise ChargingRefused(
            "no_usable_tag",
            _("None of your id tags can start charging now (blocked, expired or busy)."),
        )
    raise ValidationError({"id_tag": [_("You have no id tag yet: add one first.")]})


def driver_connector(chargepoint: ChargePoint, connector_id: int | None) -> Connector:
    if connector_id is None:
        connectors = list(chargepoint.connectors.all()[:2])
        if len(connectors) == 1:
            return connectors[0]
        raise ValidationError(
            {"connector_id": [_("This charge point has several connectors: choose one.")]}
        )
    # Not targets.connector_find: a driver may only name a connector we know.
    connector = chargepoint.connectors.filter(connectorid=connector_id).first()
    if connector is None:
        raise ValidationError(
            {
                "connector_id": [
                    _("Charge point %(chargepoint)s has no connector %(connector)s.")
                    % {"chargepoint": chargepoint.pk, "connector": connector_id}
                ]
            }
        )
    return connector


def connector_busy(connector: Connector) -> ChargingRefused:
    # Whose it is is nobody else's business: the answer names the connector only.
    return ChargingRefused(
        "connector_busy",
        _("Connector %(connector)s is in use.") % {"connector": connector.connectorid},
    )


def connector_free(connector: Connector, *, user: User) -> None:
    if (
        connector.availability_status == AvailabilityType.INOPERATIVE
        or connector.connector_status in _OUT_OF_SERVICE
    ):
        raise ChargingRefused(
            "connector_unavailable",
            _("Connector %(connector)s is out of service.") % {"connector": connector.connectorid},
        )
    busy = (
        connector.connector_status in _BUSY
        or connector.transactions.filter(transaction_status=TransactionStatus.ACTIVE).exists()
    )
    pending = ChargingSession.objects.filter(
        connector=connector, status__in=SESSION_PENDING, transaction__isnull=True
    ).exclude(user=user)
    if busy or pending.exists():
        raise connector_busy(connector)
    reserved = Reservation.objects.filter(
        Q(connector=connector) | Q(connector__isnull=True),
        chargepoint_id=connector.chargepoint_id,
        status=ReservationStatus.ACTIVE,
        expiry_date__gt=timezone.now(),
    ).exclude(user=user)
    if reserved.exists():
        raise ChargingRefused(
            "connector_reserved",
            _("Connector %(connector)s is reserved for someone else.")
            % {"connector": connector.connectorid},
        )


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
    driver_allowed(user)
    problem = reservation_expiry_problem(expiry_date)
    if problem:
        raise ValidationError({"expiry_date": [problem]})
    if connector_id is not None:
        driver_connector(chargepoint, connector_id)
    tag = driver_tag(user=user, id_tag=id_tag, starting=False)
    chargepoint_online(chargepoint)
    params = {"id_tag": tag.idToken, "expiry_date": expiry_date.isoformat()}
    if connector_id is not None:
        params["connector_id"] = connector_id
    command = driver_command_send(
        chargepoint=chargepoint, name=CommandName.RESERVE_NOW, params=params, user=user
    )
    outcome = command_outcome(command)
    if outcome is not None:
        raise ChargingRefused(outcome.code, outcome.detail)
    reservation = Reservation.objects.filter(
        reservation_id=command.params["reservation_id"]
    ).first()
    if reservation is not None and reservation.user_id is None:
        # Owned by the driver who asked, whatever the tag's owner field says.
        reservation.user = user
        reservation.save(update_fields=["user", "updated_at"])
    return ReservationResult(command=command, reservation=reservation)


def reservation_cancel(*, user: User, reservation: Reservation) -> Command:
    # Past its expiry date it is over, whether or not the sweep wrote it down yet.
    if reservation.status != ReservationStatus.ACTIVE or reservation.expiry_date <= timezone.now():
        raise ChargingRefused(
            "not_active",
            _("Reservation %(reservation)s is not active.")
            % {"reservation": reservation.reservation_id},
        )
    chargepoint_online(reservation.chargepoint)
    command = driver_command_send(
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
    ).update(status=ReservationStatus.EXPIRED, updated_at=timezone.now())

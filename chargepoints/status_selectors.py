"""The one public status of a connector, an EVSE and a charge point.

What a charger last reported is not what a driver can do there now: a
charger gone offline keeps its connectors' last "Available", an operator's
Inoperative or a Faulted connector 0 speaks for every connector, a 2.0.1
charger reports Occupied (never Charging) and some report nothing during a
transaction. The public status combines it all into OCPI 2.2.1's EVSE
Status (locations §8.4.22), the one vocabulary of the REST API, its
sockets and OCPI, strongest first:

1. charger not connected: UNKNOWN (§8.4.22: "also used when offline");
2. charger (connector 0) Faulted: OUTOFORDER; Unavailable or set
   Inoperative: INOPERATIVE;
3. connector Faulted: OUTOFORDER;
4. a transaction open on the connector, or the connector occupied: CHARGING;
5. connector Unavailable or set Inoperative: INOPERATIVE;
6. connector reported Reserved, or an active reservation of it (or of the
   whole charger): RESERVED;
7. connector Available, or never reported while the charger says it is
   Available: AVAILABLE; else UNKNOWN.

``connector_public_status`` applies it in Python, ``public_status_expression``
in the database (for filters); tests hold them to the same answers.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from chargepoints.enums import (
    AvailabilityType,
    NormalizedStatus,
    PublicStatus,
    ReservationStatus,
    TransactionStatus,
)
from chargepoints.models import ChargePoint, Connector, Reservation, Transaction


@dataclass(frozen=True)
class PublicState:
    status: str
    # When this was last confirmed: the later of the last status report and
    # the charger's last heartbeat.
    confirmed_at: datetime.datetime | None


def _open_transactions():
    return Transaction.objects.filter(
        connector=OuterRef("pk"), transaction_status=TransactionStatus.ACTIVE
    )


def _active_reservations(now: datetime.datetime):
    # A reservation without a connector holds any connector of its charger
    # (OCPP 1.6 connectorId 0): every free one is shown reserved.
    return Reservation.objects.filter(
        Q(connector=OuterRef("pk"))
        | Q(connector__isnull=True, chargepoint=OuterRef("chargepoint")),
        status=ReservationStatus.ACTIVE,
        expiry_date__gt=now,
    )


def connectors_with_activity(
    connectors: QuerySet[Connector], *, now: datetime.datetime | None = None
) -> QuerySet[Connector]:
    """``connectors`` knowing their open transaction and active reservation, in the same query."""
    return connectors.annotate(
        has_open_transaction=Exists(_open_transactions()),
        has_active_reservation=Exists(_active_reservations(now or timezone.now())),
    )


def _activity(connector: Connector) -> tuple[bool, bool]:
    if hasattr(connector, "has_open_transaction"):
        return connector.has_open_transaction, connector.has_active_reservation
    # Not annotated (one connector just written): ask.
    row = connectors_with_activity(Connector.objects.filter(pk=connector.pk)).values(
        "has_open_transaction", "has_active_reservation"
    )
    found = row.first() or {"has_open_transaction": False, "has_active_reservation": False}
    return found["has_open_transaction"], found["has_active_reservation"]


def _charger_status(chargepoint: ChargePoint) -> str | None:
    """What the charger as a whole decides for every connector, if anything."""
    if not chargepoint.connected:
        return PublicStatus.UNKNOWN
    if chargepoint.status == NormalizedStatus.FAULTED:
        return PublicStatus.OUTOFORDER
    if (
        chargepoint.status == NormalizedStatus.UNAVAILABLE
        or chargepoint.availability_status == AvailabilityType.INOPERATIVE
    ):
        return PublicStatus.INOPERATIVE
    return None


def _latest(*moments: datetime.datetime | None) -> datetime.datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def connector_public_status(connector: Connector) -> PublicState:
    """The public status of a connector (its charge point fetched with it)."""
    chargepoint = connector.chargepoint
    confirmed_at = _latest(
        connector.status_timestamp, chargepoint.status_timestamp, chargepoint.last_heartbeat
    )
    status = _charger_status(chargepoint)
    if status is not None:
        return PublicState(status, confirmed_at)
    charging, reserved = _activity(connector)
    if connector.status == NormalizedStatus.FAULTED:
        status = PublicStatus.OUTOFORDER
    elif charging or connector.status == NormalizedStatus.OCCUPIED:
        status = PublicStatus.CHARGING
    elif (
        connector.status == NormalizedStatus.UNAVAILABLE
        or connector.availability_status == AvailabilityType.INOPERATIVE
    ):
        status = PublicStatus.INOPERATIVE
    elif reserved or connector.status == NormalizedStatus.RESERVED:
        status = PublicStatus.RESERVED
    elif connector.status == NormalizedStatus.AVAILABLE or (
        connector.status == NormalizedStatus.UNKNOWN
        and chargepoint.status == NormalizedStatus.AVAILABLE
    ):
        status = PublicStatus.AVAILABLE
    else:
        status = PublicStatus.UNKNOWN
    return PublicState(status, confirmed_at)


def public_status_expression(*, now: datetime.datetime | None = None) -> Case:
    """``connector_public_status`` as a database expression on connectors (to filter by)."""
    cp = "chargepoint__"
    inoperative = Q(status=NormalizedStatus.UNAVAILABLE) | Q(
        availability_status=AvailabilityType.INOPERATIVE
    )
    charger_inoperative = Q(**{f"{cp}status": NormalizedStatus.UNAVAILABLE}) | Q(
        **{f"{cp}availability_status": AvailabilityType.INOPERATIVE}
    )
    rules = [
        (Q(**{f"{cp}connected": False}), PublicStatus.UNKNOWN),
        (Q(**{f"{cp}status": NormalizedStatus.FAULTED}), PublicStatus.OUTOFORDER),
        (charger_inoperative, PublicStatus.INOPERATIVE),
        (Q(status=NormalizedStatus.FAULTED), PublicStatus.OUTOFORDER),
        (Exists(_open_transactions()) | Q(status=NormalizedStatus.OCCUPIED), PublicStatus.CHARGING),
        (inoperative, PublicStatus.INOPERATIVE),
        (
            Exists(_active_reservations(now or timezone.now()))
            | Q(status=NormalizedStatus.RESERVED),
            PublicStatus.RESERVED,
        ),
        (
            Q(status=NormalizedStatus.AVAILABLE)
            | Q(status=NormalizedStatus.UNKNOWN, **{f"{cp}status": NormalizedStatus.AVAILABLE}),
            PublicStatus.AVAILABLE,
        ),
    ]
    return Case(
        *(When(condition, then=Value(status.value)) for condition, status in rules),
        default=Value(PublicStatus.UNKNOWN.value),
    )


def _combined(
    states: list[PublicState], order: list[PublicStatus], chargepoint: ChargePoint
) -> PublicState:
    confirmed_at = _latest(
        chargepoint.status_timestamp,
        chargepoint.last_heartbeat,
        *(state.confirmed_at for state in states),
    )
    statuses = {state.status for state in states}
    for status in order:
        if status in statuses:
            return PublicState(status, confirmed_at)
    return PublicState(PublicStatus.UNKNOWN, confirmed_at)


# An EVSE charges one EV at a time: one connector in use makes it in use,
# one free connector makes it free (locations §8.1, several connectors per EVSE).
EVSE_ORDER = [
    PublicStatus.CHARGING,
    PublicStatus.RESERVED,
    PublicStatus.AVAILABLE,
    PublicStatus.INOPERATIVE,
    PublicStatus.OUTOFORDER,
]
# A charge point is worth driving to while one of its connectors is free.
CHARGEPOINT_ORDER = [
    PublicStatus.AVAILABLE,
    PublicStatus.CHARGING,
    PublicStatus.RESERVED,
    PublicStatus.INOPERATIVE,
    PublicStatus.OUTOFORDER,
]
# A charger without connectors yet speaks for itself (connector 0).
_CHARGER_ALONE = {
    NormalizedStatus.AVAILABLE: PublicStatus.AVAILABLE,
    NormalizedStatus.OCCUPIED: PublicStatus.CHARGING,
    NormalizedStatus.RESERVED: PublicStatus.RESERVED,
}


def evse_public_status(*, chargepoint: ChargePoint, connectors: list[Connector]) -> PublicState:
    """The public status of one EVSE: its connectors' combined (OCPI EVSE.status)."""
    states = [connector_public_status(connector) for connector in connectors]
    return _combined(states, EVSE_ORDER, chargepoint)


def chargepoint_public_status(*, chargepoint: ChargePoint) -> PublicState:
    """The public status of a charge point (its connectors prefetched): its connectors'
    combined, never a bare UNKNOWN for a connected charger that has reported."""
    connectors = list(chargepoint.connectors.all())
    if connectors:
        states = [connector_public_status(connector) for connector in connectors]
        return _combined(states, CHARGEPOINT_ORDER, chargepoint)
    status = _charger_status(chargepoint) or _CHARGER_ALONE.get(
        chargepoint.status, PublicStatus.UNKNOWN
    )
    return PublicState(status, _latest(chargepoint.status_timestamp, chargepoint.last_heartbeat))


def _connectors_public(status: str, **where) -> QuerySet[Connector]:
    return (
        Connector.objects.filter(**where)
        .annotate(public_status=public_status_expression())
        .filter(public_status=status)
    )


def connectors_with_public_status(
    connectors: QuerySet[Connector], *, status: str
) -> QuerySet[Connector]:
    return connectors.annotate(public_status=public_status_expression()).filter(
        public_status=status
    )


def chargepoints_with_public_status(
    chargepoints: QuerySet[ChargePoint], *, status: str
) -> QuerySet[ChargePoint]:
    """The charge points whose ``chargepoint_public_status`` is ``status`` (in the database)."""

    def having(wanted: str) -> Exists:
        return Exists(_connectors_public(wanted, chargepoint=OuterRef("pk")))

    with_connectors = Exists(Connector.objects.filter(chargepoint=OuterRef("pk")))
    if status in CHARGEPOINT_ORDER:
        earlier = CHARGEPOINT_ORDER[: CHARGEPOINT_ORDER.index(status)]
        combined = having(status)
        for stronger in earlier:
            combined &= ~having(stronger)
    elif status == PublicStatus.UNKNOWN:
        combined = Q()
        for known in CHARGEPOINT_ORDER:
            combined &= ~having(known)
    else:
        # BLOCKED, PLANNED, REMOVED: never ours.
        return chargepoints.none()
    return chargepoints.filter(
        (with_connectors & combined) | (~with_connectors & _charger_alone_q(status))
    )


def _charger_alone_q(status: str) -> Q:
    """``chargepoint_public_status`` of a charger without connectors, as a condition."""
    offline = Q(connected=False)
    faulted = Q(status=NormalizedStatus.FAULTED)
    inoperative = Q(status=NormalizedStatus.UNAVAILABLE) | Q(
        availability_status=AvailabilityType.INOPERATIVE
    )
    decided = offline | faulted | inoperative
    if status == PublicStatus.UNKNOWN:
        return offline | (~decided & ~Q(status__in=list(_CHARGER_ALONE)))
    if status == PublicStatus.OUTOFORDER:
        return ~offline & faulted
    if status == PublicStatus.INOPERATIVE:
        return ~offline & ~faulted & inoperative
    # BLOCKED, PLANNED, REMOVED: nothing reported reads as them.
    reported = [ours for ours, theirs in _CHARGER_ALONE.items() if theirs == status]
    return ~decided & Q(status__in=reported)


def locations_with_available_connector(*, locations, available: bool):
    """Locations where a driver could plug in now (public status AVAILABLE), or, with
    False, could not."""
    free = Exists(_connectors_public(PublicStatus.AVAILABLE, chargepoint__location=OuterRef("pk")))
    return locations.filter(free if available else ~free)

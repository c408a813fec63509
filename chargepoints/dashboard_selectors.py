"""What the admin's dashboard counts: the network at a glance, one query per group.

Each definition lives in one selector (a Q or a list of values) so that the
figure and the admin list it links to count exactly the same rows.
"""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chargepoints.enums import (
    COMMAND_FINAL_STATUSES,
    ChargePointStatus,
    ChargerEventKind,
    CommandStatus,
    NormalizedStatus,
    TransactionStatus,
)
from chargepoints.models import (
    ChargePoint,
    ChargerEvent,
    Command,
    Connector,
    Location,
    Transaction,
)

# Online: connected now. ChargePoint.connected is kept true only while the
# server process holding the connection lives (chargepoints/services/processes.py).
ONLINE = Q(connected=True)
OFFLINE = Q(connected=False)
# Faulted / unavailable: an online charger whose own status (connector 0, or
# the station's in 2.0.1, normalised) says so. What a charger reported before
# it went offline says nothing about now: offline ones count as offline only.
FAULTED = Q(connected=True, status=NormalizedStatus.FAULTED)
UNAVAILABLE = Q(connected=True, status=NormalizedStatus.UNAVAILABLE)

# Failed commands: those that ended without the charger accepting them
# (refused, errored, timed out, or never sent because the charger was offline).
COMMAND_FAILED_STATUSES = sorted(COMMAND_FINAL_STATUSES - {CommandStatus.ACCEPTED})

# Flagged for review: transactions kept although we never saw them start, or
# otherwise in doubt (Transaction.needs_review, set by the transaction services).
FLAGGED = Q(needs_review=True)

# Security events: what the charger reported as one (SecurityEventNotification)
# and what we refused of it ourselves (a handshake refused for its
# credentials, frames refused by the flood limits).
SECURITY_EVENT_KINDS = [
    ChargerEventKind.SECURITY_EVENT,
    ChargerEventKind.CONNECTION_REFUSED,
    ChargerEventKind.FRAMES_LIMITED,
]

ACTIVE = Q(transaction_status=TransactionStatus.ACTIVE)

ACTIVE_SESSIONS_SHOWN = 50


def last_24h(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(hours=24)


def chargers_at_a_glance() -> dict[str, int]:
    return ChargePoint.objects.aggregate(
        online=Count("pk", filter=ONLINE),
        offline=Count("pk", filter=OFFLINE),
        faulted=Count("pk", filter=FAULTED),
        unavailable=Count("pk", filter=UNAVAILABLE),
    )


def connectors_by_status() -> dict[str, int]:
    """Connectors per status as reported (OCPP 1.6 vocabulary plus 2.0.1 Occupied); zeros too."""
    counts = dict.fromkeys(ChargePointStatus.values, 0)
    rows = Connector.objects.order_by().values("connector_status").annotate(n=Count("pk"))
    for row in rows:
        counts[row["connector_status"]] = row["n"]
    return counts


def commands_failed(*, since: datetime.datetime) -> QuerySet[Command]:
    return Command.objects.filter(status__in=COMMAND_FAILED_STATUSES, created_at__gte=since)


def security_events(*, since: datetime.datetime) -> QuerySet[ChargerEvent]:
    return ChargerEvent.objects.filter(kind__in=SECURITY_EVENT_KINDS, timestamp__gte=since)


def active_sessions(*, limit: int = ACTIVE_SESSIONS_SHOWN) -> list[Transaction]:
    """The newest active transactions with what they show (power, energy so far)."""
    return list(
        Transaction.objects.filter(ACTIVE)
        .select_related("chargepoint", "connector")
        .order_by("-start_transaction_timestamp")[:limit]
    )


def location_markers() -> list[dict]:
    """Located sites with their chargers online and in all, for the map."""
    rows = Location.objects.annotate(
        total=Count("chargepoints"),
        online=Count("chargepoints", filter=Q(chargepoints__connected=True)),
    ).values("pk", "name", "coordinates", "total", "online")
    markers = []
    for row in rows:
        coordinates = row["coordinates"] or {}
        try:
            latitude = float(coordinates["latitude"])
            longitude = float(coordinates["longitude"])
        except (KeyError, TypeError, ValueError):
            continue  # OCPI keeps them as strings; a site without them is not drawn.
        markers.append(
            {
                "id": row["pk"],
                "name": row["name"],
                "latitude": latitude,
                "longitude": longitude,
                "online": row["online"],
                "total": row["total"],
            }
        )
    return markers

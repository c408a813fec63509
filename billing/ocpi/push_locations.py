"""EVSE status changes pushed to every partner with a locations receiver (OCPI 2.2.1
locations §8.2.2.3: PATCH {url}/{country_code}/{party_id}/{location_id}/{evse_uid}
with {status, last_updated}), polled from the database by the push cycle.

The status is the public one (chargepoints/status_selectors.py), which moves
with things that stamp no row (a charger's connection, a reservation running
out), so there is no cursor to follow: the database compares each
connector's public status (public_status_expression) with the one
remembered, and only connectors whose status moved come back. The EVSEs
holding them are then worked out in Python and PATCHed when the EVSE's
status (its connectors' combined) differs from the one last sent.

What a partner sees first is its baseline, not a change: the statuses found
on its first run (and those of EVSEs added later) are remembered, not sent;
the whole Location is the partner's to GET (locations §8.2.1).
"""

import datetime

from django.db import transaction
from django.db.models import F, Prefetch, Q, Subquery
from django.utils import timezone

from billing.models import OcpiPartner, OcpiSyncState
from billing.ocpi.locations import Evse, chargepoint_evses, evse_status
from billing.ocpi.outbox import ocpi_push_enqueue
from billing.ocpi.push_sync import ObjectKey, receivers, sync_state_claim, sync_states
from billing.snapshots import ocpi_timestamp
from chargepoints.models import ChargePoint, Connector
from chargepoints.status_selectors import connectors_with_activity, public_status_expression

MODULE = "locations"
BATCH = 1000


CONNECTOR_KEY = ObjectKey("connector:", "pk")


def connector_key(pk: int) -> str:
    return CONNECTOR_KEY.key(pk)


def evse_key(chargepoint_pk: int, number: int) -> str:
    return f"evse:{chargepoint_pk}/{number}"


def _moved(partner: OcpiPartner, now: datetime.datetime) -> list[tuple[int, int, str]]:
    """(connector pk, charge point pk, public status) of connectors whose public status is
    not the one remembered for ``partner``: one query, nothing when nothing moved."""
    remembered = OcpiSyncState.objects.filter(
        partner=partner,
        module=MODULE,
        object_key=CONNECTOR_KEY.sql(),
    ).values("fingerprint")[:1]
    return list(
        Connector.objects.filter(chargepoint__location__isnull=False)
        .annotate(public=public_status_expression(now=now), remembered=Subquery(remembered))
        .filter(Q(remembered__isnull=True) | ~Q(remembered=F("public")))
        .order_by("pk")
        .values_list("pk", "chargepoint_id", "public")[:BATCH]
    )


def _evses(chargepoint_pks: set[int], now: datetime.datetime) -> dict[tuple[int, int], Evse]:
    connectors = connectors_with_activity(Connector.objects.order_by("connectorid"), now=now)
    chargepoints = (
        ChargePoint.objects.filter(pk__in=chargepoint_pks)
        .select_related("location")
        .prefetch_related(Prefetch("connectors", queryset=connectors))
    )
    evses: dict[tuple[int, int], Evse] = {}
    for chargepoint in chargepoints:
        for evse in chargepoint_evses(chargepoint, chargepoint.connectors.all()):
            evses[(chargepoint.pk, evse.number)] = evse
    return evses


def _evse_url(base: str, evse: Evse) -> str:
    # The Location's own party, as location_ocpi shows it to the partner.
    location = evse.chargepoint.location
    party = f"{location.country_code.upper()}/{location.party_id.upper()}"
    return f"{base}/{party}/{location.id}/{evse.uid}"


def _collect_for(partner: OcpiPartner, base: str, now: datetime.datetime) -> int:
    moved = _moved(partner, now)
    if not moved:
        return 0
    evses = _evses({chargepoint_pk for _, chargepoint_pk, _ in moved}, now)
    connector_states = sync_states(
        partner=partner, module=MODULE, keys=[connector_key(pk) for pk, _, _ in moved]
    )
    evse_states = sync_states(partner=partner, module=MODULE, keys=[evse_key(*k) for k in evses])
    evse_of = {connector.pk: key for key, evse in evses.items() for connector in evse.connectors}
    touched = {evse_of[pk] for pk, _, _ in moved if pk in evse_of}
    queued = 0
    with transaction.atomic():
        for pk, _, public in moved:
            sync_state_claim(
                partner=partner,
                module=MODULE,
                object_key=connector_key(pk),
                previous=connector_states.get(connector_key(pk)),
                fingerprint=public,
                now=now,
            )
        for key in sorted(touched):
            evse = evses[key]
            status = evse_status(evse)
            previous = evse_states.get(evse_key(*key))
            if previous is not None and previous.fingerprint == status:
                continue
            claimed = sync_state_claim(
                partner=partner,
                module=MODULE,
                object_key=evse_key(*key),
                previous=previous,
                fingerprint=status,
                now=now,
            )
            if claimed and previous is not None:
                ocpi_push_enqueue(
                    partner=partner,
                    module=MODULE,
                    method="PATCH",
                    url=_evse_url(base, evse),
                    body={"status": status, "last_updated": ocpi_timestamp(now)},
                    object_key=evse_key(*key),
                )
                queued += 1
    return queued


def ocpi_evse_statuses_collect(*, now: datetime.datetime | None = None) -> int:
    """Queue a PATCH of every EVSE whose public status changed, to each locations receiver."""
    now = now or timezone.now()
    return sum(_collect_for(partner, base, now) for partner, base in receivers(MODULE))

"""Tariff changes pushed to every partner with a tariffs receiver (OCPI 2.2.1 tariffs §11.2.2:
PUT {url}/{country_code}/{party_id}/{tariff_id} when a tariff is new or changed,
DELETE when it is gone), polled from the database by the push cycle.

A tariff's ``last_updated`` moves with every save (its elements are saved
with it), so the database finds the tariffs whose ``last_updated`` is not
the one last sent (kept as the sync state's ``pushed_at``). Tariffs are few:
the ones gone are found by comparing the keys remembered with the keys there.
"""

import datetime

from django.db import transaction
from django.db.models import F, Q, Subquery

from billing.models import OcpiPartner, OcpiSyncState, Tariff
from billing.ocpi.outbox import ocpi_push_enqueue
from billing.ocpi.push_sync import (
    ObjectKey,
    fingerprint,
    receivers,
    sync_state_claim,
    sync_states,
)
from billing.ocpi.selectors import ocpi_tariffs
from billing.snapshots import tariff_ocpi

MODULE = "tariffs"
PREFIX = "tariff:"


TARIFF_KEY = ObjectKey(PREFIX, "country_code", "party_id", "id")


def tariff_key(tariff: Tariff) -> str:
    return TARIFF_KEY.key(tariff.country_code, tariff.party_id, tariff.id)


def _url(base: str, key: str) -> str:
    country_code, party_id, tariff_id = key.removeprefix(PREFIX).split("/", 2)
    return f"{base}/{country_code.upper()}/{party_id.upper()}/{tariff_id}"


def _changed(partner: OcpiPartner) -> list[Tariff]:
    sent = OcpiSyncState.objects.filter(
        partner=partner,
        module=MODULE,
        object_key=TARIFF_KEY.sql(),
    ).values("pushed_at")[:1]
    return list(
        ocpi_tariffs()
        .annotate(sent=Subquery(sent))
        .filter(Q(sent__isnull=True) | ~Q(sent=F("last_updated")))
    )


def _put(partner: OcpiPartner, base: str, tariff: Tariff, previous) -> bool:
    body = tariff_ocpi(tariff)
    with transaction.atomic():
        if not sync_state_claim(
            partner=partner,
            module=MODULE,
            object_key=tariff_key(tariff),
            previous=previous,
            fingerprint=fingerprint(body),
            # The version sent: _changed compares it with the tariff's.
            now=tariff.last_updated,
        ):
            return False
        ocpi_push_enqueue(
            partner=partner,
            module=MODULE,
            method="PUT",
            url=_url(base, tariff_key(tariff)),
            body=body,
            object_key=tariff_key(tariff),
        )
    return True


def _delete(partner: OcpiPartner, base: str, state: OcpiSyncState) -> bool:
    with transaction.atomic():
        # Forgotten by whoever deletes it first: a tariff made again under
        # the same id is new to the partner, and PUT.
        gone, _ = OcpiSyncState.objects.filter(pk=state.pk, pushed_at=state.pushed_at).delete()
        if not gone:
            return False
        ocpi_push_enqueue(
            partner=partner,
            module=MODULE,
            method="DELETE",
            url=_url(base, state.object_key),
            body=None,
            object_key=state.object_key,
        )
    return True


def _collect_for(partner: OcpiPartner, base: str) -> int:
    changed = _changed(partner)
    states = sync_states(partner=partner, module=MODULE, keys=[tariff_key(t) for t in changed])
    queued = sum(_put(partner, base, t, states.get(tariff_key(t))) for t in changed)
    existing = {tariff_key(t) for t in ocpi_tariffs().only("country_code", "party_id", "id")}
    remembered = OcpiSyncState.objects.filter(
        partner=partner, module=MODULE, object_key__startswith=PREFIX
    )
    queued += sum(_delete(partner, base, s) for s in remembered if s.object_key not in existing)
    return queued


def ocpi_tariffs_collect(*, now: datetime.datetime | None = None) -> int:
    """Queue a PUT of every new or changed tariff, and a DELETE of every tariff gone,
    to each partner with a tariffs receiver."""
    del now  # a tariff's own last_updated tells what changed
    return sum(_collect_for(partner, base) for partner, base in receivers(MODULE))

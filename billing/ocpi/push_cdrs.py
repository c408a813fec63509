"""CDRs pushed to the eMSPs that may see them (OCPI 2.2.1 CDRs §10.2.2: POST {url}, the
eMSP's receiver interface), once each, polled from the database by the push cycle.

A CDR is sealed (CDRs §10.3.1: a correction is a credit CDR and a new one),
so each goes to a partner once, credit CDRs included. One held for an
operator's review goes when it is approved: approving it moves its
``last_updated``, which the scan follows.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from billing.models import CDR, OcpiPartner
from billing.ocpi.outbox import ocpi_push_enqueue
from billing.ocpi.push_sync import (
    changed_since_cursor,
    fingerprint,
    receivers,
    scan_cursor_advance,
    sync_state_claim,
    sync_states,
)
from billing.ocpi.selectors import ocpi_cdrs
from billing.ocpi.sessions import cdr_ocpi

MODULE = "cdrs"


def cdr_key(cdr: CDR) -> str:
    return f"cdr:{cdr.country_code.upper()}/{cdr.party_id.upper()}/{cdr.id}"


def _queue(partner: OcpiPartner, url: str, cdr: CDR, now: datetime.datetime) -> bool:
    body = cdr_ocpi(cdr, partner=partner)
    with transaction.atomic():
        if not sync_state_claim(
            partner=partner,
            module=MODULE,
            object_key=cdr_key(cdr),
            previous=None,
            fingerprint=fingerprint(body),
            now=now,
        ):
            return False  # queued before (by this process or another)
        ocpi_push_enqueue(
            partner=partner,
            module=MODULE,
            method="POST",
            url=url,
            body=body,
            object_key=cdr_key(cdr),
        )
    return True


def _collect_for(partner: OcpiPartner, url: str, now: datetime.datetime) -> int:
    changed = changed_since_cursor(
        partner=partner,
        module=MODULE,
        rows=ocpi_cdrs(partner=partner),
        stamp="last_updated",
        now=now,
    )
    known = sync_states(partner=partner, module=MODULE, keys=[cdr_key(cdr) for cdr in changed])
    queued = sum(_queue(partner, url, cdr, now) for cdr in changed if cdr_key(cdr) not in known)
    scan_cursor_advance(
        partner=partner, module=MODULE, changed=changed, stamp="last_updated", now=now
    )
    return queued


def ocpi_cdrs_collect(*, now: datetime.datetime | None = None) -> int:
    """Queue a POST of every new CDR to each partner with a CDRs receiver that may see it."""
    now = now or timezone.now()
    return sum(_collect_for(partner, url, now) for partner, url in receivers(MODULE))

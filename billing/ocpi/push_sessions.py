"""Sessions pushed to the eMSPs that may see them (OCPI 2.2.1 sessions §9.2.2, the eMSP's
receiver interface), polled from the database by the push cycle.

- First seen: PUT {url}/{country_code}/{party_id}/{session_id}, the whole Session.
- While ACTIVE: PATCH with kwh, charging_periods, total_cost, status and
  last_updated when they changed, at most every CSMS_OCPI_SESSION_PUSH_INTERVAL
  (sessions §9.2.2.3: a PATCH carries what changed and last_updated).
- Ended (no longer ACTIVE): PATCH at once with the final state.

Only transactions that changed are read: a per-partner cursor on
``updated_at`` (moved by every meter value), plus the running sessions whose
PATCH was held back by the interval and that changed since. A transaction
whose remembered ``updated_at`` is the one read costs no Session build.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Subquery
from django.utils import timezone

from billing.models import OcpiPartner, OcpiSyncState
from billing.ocpi.outbox import ocpi_push_enqueue
from billing.ocpi.push_sync import (
    SCAN_BATCH,
    ObjectKey,
    changed_since_cursor,
    fingerprint,
    receivers,
    scan_cursor_advance,
    sync_state_claim,
    sync_states,
)
from billing.ocpi.selectors import ocpi_sessions
from billing.ocpi.sessions import session_ocpi
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction

MODULE = "sessions"
# What a running session's PATCH carries besides last_updated (sessions §9.3.1).
_PATCHED = ("kwh", "charging_periods", "total_cost", "status", "end_date_time")


SESSION_KEY = ObjectKey("session:", "transaction_id")


def session_key(tx: Transaction) -> str:
    return SESSION_KEY.key(tx.transaction_id)


def _held_back(partner: OcpiPartner, now: datetime.datetime):
    """Running sessions that changed since they were last looked at, once the interval passed."""
    interval = datetime.timedelta(seconds=settings.CSMS_OCPI_SESSION_PUSH_INTERVAL)
    looked_at = OcpiSyncState.objects.filter(
        partner=partner,
        module=MODULE,
        object_key=SESSION_KEY.sql(),
    ).values("pushed_at")[:1]
    return (
        ocpi_sessions(partner=partner)
        .filter(transaction_status=TransactionStatus.ACTIVE)
        .annotate(looked_at=Subquery(looked_at))
        .filter(looked_at__lte=now - interval, updated_at__gt=F("looked_at"))
        .order_by("updated_at")[:SCAN_BATCH]
    )


def _queue(partner: OcpiPartner, base: str, tx: Transaction, previous, now) -> bool:
    stamp = tx.updated_at.isoformat()
    if previous is not None and (previous.state or {}).get("updated_at") == stamp:
        return False  # read before, as it is
    interval = datetime.timedelta(seconds=settings.CSMS_OCPI_SESSION_PUSH_INTERVAL)
    running = tx.transaction_status == TransactionStatus.ACTIVE
    if previous is not None and running and previous.pushed_at > now - interval:
        return False  # too soon: _held_back finds it when the interval is over
    session = session_ocpi(tx, partner=partner)
    changed = {key: session[key] for key in _PATCHED if key in session}
    mark = fingerprint(changed)
    state = {"updated_at": stamp}
    url = f"{base}/{session['country_code']}/{session['party_id']}/{session['id']}"
    with transaction.atomic():
        if not sync_state_claim(
            partner=partner,
            module=MODULE,
            object_key=session_key(tx),
            previous=previous,
            fingerprint=mark,
            state=state,
            # Looked at no earlier than the version read: _held_back compares
            # updated_at with it.
            now=max(now, tx.updated_at),
        ):
            return False  # another process got there first
        if previous is None:
            body, method = session, "PUT"
        elif mark != previous.fingerprint:
            body, method = {**changed, "last_updated": session["last_updated"]}, "PATCH"
        else:
            return False  # nothing a partner sees changed; remembered as read
        ocpi_push_enqueue(
            partner=partner,
            module=MODULE,
            method=method,
            url=url,
            body=body,
            object_key=session_key(tx),
        )
    return True


def _collect_for(partner: OcpiPartner, base: str, now: datetime.datetime) -> int:
    changed = changed_since_cursor(
        partner=partner,
        module=MODULE,
        rows=ocpi_sessions(partner=partner),
        stamp="updated_at",
        now=now,
    )
    seen = {tx.pk for tx in changed}
    candidates = changed + [tx for tx in _held_back(partner, now) if tx.pk not in seen]
    states = sync_states(
        partner=partner, module=MODULE, keys=[session_key(tx) for tx in candidates]
    )
    queued = sum(_queue(partner, base, tx, states.get(session_key(tx)), now) for tx in candidates)
    scan_cursor_advance(
        partner=partner, module=MODULE, changed=changed, stamp="updated_at", now=now
    )
    return queued


def ocpi_sessions_collect(*, now: datetime.datetime | None = None) -> int:
    """Queue the session pushes due to every partner with a sessions receiver; how many."""
    now = now or timezone.now()
    return sum(_collect_for(partner, base, now) for partner, base in receivers(MODULE))

"""What the push collectors remember per partner (billing.models.OcpiSyncState): what each
object looked like when it was last queued, and how far each scan has read.

A collector queues a push when an object's fingerprint (a hash of what it
would send) differs from the one remembered, and remembers the new one in
the same database transaction as the push: a change is queued once, and a
rolled-back run queues nothing and forgets nothing.
"""

import datetime
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import CharField, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from billing.models import OcpiPartner, OcpiSyncState
from billing.ocpi.endpoints import partner_endpoint

# Reserved object_key of a scan's cursor: no object key starts with "~".
CURSOR_KEY = "~cursor"
# A change committed a little after a scan read past its stamp (a writer's
# batch commits after it stamped its rows) is found by the next one.
SCAN_OVERLAP = datetime.timedelta(seconds=5)
SCAN_BATCH = 500


class ObjectKey:
    """How one kind of object is named in OcpiSyncState.object_key: ``key`` for a row
    read, ``sql`` for a lookup joined to the object's own table (OuterRef), from one
    definition so the two never drift apart."""

    def __init__(self, prefix: str, *fields: str):
        self.prefix, self.fields = prefix, fields

    def key(self, *values: Any) -> str:
        return self.prefix + "/".join(str(value) for value in values)

    def sql(self) -> Concat:
        parts: list = [Value(self.prefix)]
        for index, name in enumerate(self.fields):
            parts += [Value("/")] if index else []
            parts.append(Cast(OuterRef(name), output_field=CharField()))
        return Concat(*parts)


def fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def sync_states(
    *, partner: OcpiPartner, module: str, keys: Iterable[str]
) -> dict[str, OcpiSyncState]:
    """The remembered states of ``keys`` (one query), by object key."""
    keys = list(keys)
    if not keys:
        return {}
    rows = OcpiSyncState.objects.filter(partner=partner, module=module, object_key__in=keys)
    return {row.object_key: row for row in rows}


def sync_state_claim(
    *,
    partner: OcpiPartner,
    module: str,
    object_key: str,
    previous: OcpiSyncState | None,
    fingerprint: str,
    state: Any = None,
    now: datetime.datetime,
) -> bool:
    """Remember what is queued for one object, if nobody did since ``previous`` was read.

    Call it in the transaction that queues the push, and queue only when it
    says True: two server processes that saw the same change race here, the
    loser's UPDATE matches nothing (or its INSERT meets the unique
    constraint), and it queues nothing.
    """
    values = {"fingerprint": fingerprint, "state": state, "pushed_at": now}
    if previous is not None:
        return bool(
            OcpiSyncState.objects.filter(
                pk=previous.pk, fingerprint=previous.fingerprint, pushed_at=previous.pushed_at
            ).update(**values)
        )
    try:
        # A savepoint: the unique constraint refusing us must not break the caller's transaction.
        with transaction.atomic():
            OcpiSyncState.objects.create(
                partner=partner, module=module, object_key=object_key, **values
            )
    except IntegrityError:
        return False
    return True


def scan_cursor(*, partner: OcpiPartner, module: str, now: datetime.datetime) -> datetime.datetime:
    """Where ``partner``'s scan of ``module`` resumes; a partner's first scan starts now:
    it learns of the objects that change from then on (what came before, it can GET)."""
    row = OcpiSyncState.objects.filter(
        partner=partner, module=module, object_key=CURSOR_KEY
    ).first()
    at = parse_datetime(row.state["at"]) if row and isinstance(row.state, dict) else None
    if at is None:
        scan_cursor_save(partner=partner, module=module, at=now)
        return now
    return at


def scan_cursor_save(*, partner: OcpiPartner, module: str, at: datetime.datetime) -> None:
    # Not a claim: two processes moving one cursor read the same objects,
    # and the objects' own claims keep them from queueing twice.
    OcpiSyncState.objects.update_or_create(
        partner=partner,
        module=module,
        object_key=CURSOR_KEY,
        defaults={"fingerprint": "", "state": {"at": at.isoformat()}, "pushed_at": timezone.now()},
    )


def changed_since_cursor(
    *, partner: OcpiPartner, module: str, rows: QuerySet, stamp: str, now: datetime.datetime
) -> list:
    """At most SCAN_BATCH of ``rows`` whose ``stamp`` (a last-changed field) moved since
    ``partner``'s scan of ``module`` last read, oldest first."""
    start = scan_cursor(partner=partner, module=module, now=now)
    since = rows.filter(**{f"{stamp}__gte": start - SCAN_OVERLAP})
    return list(since.order_by(stamp, "pk")[:SCAN_BATCH])


def scan_cursor_advance(
    *, partner: OcpiPartner, module: str, changed: list, stamp: str, now: datetime.datetime
) -> None:
    """After ``changed`` (changed_since_cursor's rows) was handled: a full batch resumes at
    its last row (the overlap is taken off when read); else all up to ``now`` was read."""
    if not changed:
        # Nothing moved: the cursor stays (a cursor behind only widens the next
        # read, and an idle network writes nothing every cycle).
        return
    full = len(changed) == SCAN_BATCH
    at = getattr(changed[-1], stamp) + SCAN_OVERLAP if full else now
    scan_cursor_save(partner=partner, module=module, at=at)


def receivers(module: str) -> list[tuple[OcpiPartner, str]]:
    """Registered partners with a receiver interface of ``module``, and its URL."""
    found = []
    for partner in OcpiPartner.objects.filter(status=OcpiPartner.Status.REGISTERED).order_by("pk"):
        url = partner_endpoint(partner, module)
        if url:
            found.append((partner, url.rstrip("/")))
    return found

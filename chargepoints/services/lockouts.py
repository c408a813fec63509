"""Failed charger logins, counted per charge point id and per client address, with lock-outs.

A charger proves who it is with one secret (its password, security profiles 1
and 2), and nothing but us stops anyone from guessing it. So every failed
login is counted in the database, where every server process sees the same
counts, and past a threshold the charge point id or the client address is
locked out: each further failure doubles the lock, up to the longest
(CSMS_CHARGER_AUTH_FAILURES, CSMS_CHARGER_LOCKOUT_SECONDS,
CSMS_CHARGER_LOCKOUT_MAX_SECONDS). While locked, a handshake is refused before
its password is looked at, so the right one does not get in either.

One address is often a whole site: its chargers behind one NAT router. A
charger left with a stale password must not lock its healthy neighbours out,
so an address takes ADDRESS_FAILURES_FACTOR times as many failures, and of a
known charge point id only the failures before its own lock-out count for its
address (after that it is refused unchecked, or counted for itself alone).
An IPv6 client holds a whole /64 network: that is its address here.

A key quiet for the longest lock-out (after its lock ended) starts again from
zero; a successful login clears its charge point id at once.
"""

import datetime
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from chargepoints.models import ChargerLockout
from csms.rows import RowReader

Kind = ChargerLockout.Kind

# An address is shared by the chargers of a site behind one NAT router.
ADDRESS_FAILURES_FACTOR = 10
# Rows of keys long forgiven are deleted when every this many-th row is made,
# so that a scan from many addresses leaves no table behind.
PRUNE_EVERY = 100

# Read at every handshake (a fleet reconnecting at once): compiled once.
_LOCKOUT = RowReader(
    ChargerLockout, ["kind", "key"], fields=["failures", "last_failure_at", "locked_until"]
)


def lockout_address_key(address: str | None) -> str | None:
    """The key a client address is counted under: itself, or for IPv6 its /64 network."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def _threshold(kind: str) -> int:
    failures = max(1, settings.CSMS_CHARGER_AUTH_FAILURES)
    return failures * ADDRESS_FAILURES_FACTOR if kind == Kind.ADDRESS else failures


def _longest() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.CSMS_CHARGER_LOCKOUT_MAX_SECONDS)


def _lock_for(beyond: int) -> datetime.timedelta:
    """The lock after the threshold's failure (0) and each one beyond it: doubling, capped."""
    seconds = settings.CSMS_CHARGER_LOCKOUT_SECONDS * 2.0 ** min(beyond, 64)
    return datetime.timedelta(seconds=min(seconds, settings.CSMS_CHARGER_LOCKOUT_MAX_SECONDS))


def _forgiven(row: ChargerLockout, now: datetime.datetime) -> bool:
    quiet_since = max(row.last_failure_at, row.locked_until or row.last_failure_at)
    return now - quiet_since > _longest()


@dataclass(frozen=True)
class LockoutState:
    """What the lock-out rows say about a handshake, before its credentials are looked at."""

    # The lock in force (the longer of the charge point id's and the
    # address's), or None.
    lock: ChargerLockout | None = None
    # The charge point id has failures on record: a successful login clears them.
    failures_on_record: bool = False


def lockout_state(
    *, chargepoint_id: str, address: str | None, now: datetime.datetime
) -> LockoutState:
    """Whether this charge point id or client address is locked out now. Reads only."""
    own = _LOCKOUT.get(Kind.CHARGEPOINT, chargepoint_id)
    key = lockout_address_key(address)
    shared = _LOCKOUT.get(Kind.ADDRESS, key) if key is not None else None
    locks = [
        row
        for row in (own, shared)
        if row is not None and row.locked_until is not None and row.locked_until > now
    ]
    return LockoutState(
        lock=max(locks, key=lambda row: row.locked_until) if locks else None,
        failures_on_record=own is not None,
    )


@transaction.atomic
def login_failure_record(
    *, chargepoint_id: str | None, address: str | None, now: datetime.datetime
) -> ChargerLockout | None:
    """Count a failed login of a known charge point id (None: an unknown one) from an address.

    Returns the charge point id's row (None for an unknown id), whose
    ``locked_until`` tells whether this failure locked it out.
    """
    own = None
    if chargepoint_id is not None:
        own = _failure_count(Kind.CHARGEPOINT, chargepoint_id, now)
    key = lockout_address_key(address)
    # NAT: a known id's failures past its own threshold are its own business.
    if key is not None and (own is None or own.failures <= _threshold(Kind.CHARGEPOINT)):
        _failure_count(Kind.ADDRESS, key, now)
    return own


def _failure_count(kind: str, key: str, now: datetime.datetime) -> ChargerLockout:
    for _ in range(2):
        # Locked against other processes counting the same key (PostgreSQL).
        row = ChargerLockout.objects.select_for_update().filter(kind=kind, key=key).first()
        if row is None:
            row = ChargerLockout(kind=kind, key=key, failures=0, first_failure_at=now)
        elif _forgiven(row, now):
            row.failures, row.first_failure_at, row.locked_until = 0, now, None
        row.failures += 1
        row.last_failure_at = now
        threshold = _threshold(kind)
        if row.failures >= threshold:
            row.locked_until = now + _lock_for(row.failures - threshold)
        new = row.pk is None
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            # Another process counted this key's first failure meanwhile: count on its row.
            continue
        if new and row.pk % PRUNE_EVERY == 0:
            chargerlockouts_prune(now=now)
        return row
    raise IntegrityError(f"Failed login of {kind} {key} could not be counted")


def login_success_record(*, chargepoint_id: str) -> None:
    """A charge point logged in: its failures are forgiven (its address's are not)."""
    ChargerLockout.objects.filter(kind=Kind.CHARGEPOINT, key=chargepoint_id).delete()


@transaction.atomic
def chargerlockouts_lift(*, lockouts) -> int:
    """Lift these lock-outs (an operator's decision): their keys start again from zero."""
    deleted, _ = ChargerLockout.objects.filter(pk__in=lockouts.values("pk")).delete()
    return deleted


def chargerlockouts_prune(*, now: datetime.datetime) -> int:
    """Delete the rows of keys forgiven long ago: they count as zero already."""
    before = now - _longest()
    deleted, _ = (
        ChargerLockout.objects.filter(last_failure_at__lt=before)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=before))
        .delete()
    )
    return deleted


def chargepoint_lockout(*, chargepoint_id: str) -> ChargerLockout | None:
    """The failures on record for a charge point id (shown in the admin), if any."""
    return ChargerLockout.objects.filter(kind=Kind.CHARGEPOINT, key=chargepoint_id).first()

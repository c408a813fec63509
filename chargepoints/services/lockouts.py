"""Failed charger logins, counted per charge point id from each client address and per address.

A charger proves who it is with one secret (its password, security profiles 1
and 2), and nothing but us stops anyone from guessing it. So every failed
login is counted in the database, where every server process sees the same
counts, and past a threshold the key is locked out: each failure after a lock
ran out doubles the next, up to the longest (CSMS_CHARGER_AUTH_FAILURES,
CSMS_CHARGER_LOCKOUT_SECONDS, CSMS_CHARGER_LOCKOUT_MAX_SECONDS). While
locked, a handshake is refused before its password is looked at, so the
right one does not get in either.

Two kinds of key:

- a charge point id *from one client address* ("CP-1 from 198.51.100.7"):
  whoever guesses a charger's password locks out their own address from that
  id, never the charger connecting from elsewhere;
- a client address, after ADDRESS_FAILURES_FACTOR times as many failures of
  any id, known or not: one address spraying many ids. One address is often
  a whole site behind one NAT router, so a known charger connecting from the
  address it last connected from is not held back by its address's lock
  (chargepoints.services.admission): a neighbour with a stale password, or
  a sprayer on the same mobile APN, does not lock it out.

An IPv6 client holds a whole /64 network: that is its address here.

A failure counted while its key is locked out adds nothing: handshakes
checked at the same moment as the failure that locked it, or past the check
before the lock, would otherwise double the lock at once. The check and the
count of a key are one, under a row lock (PostgreSQL) or the write lock
(SQLite's IMMEDIATE transactions, csms/settings.py).

A key quiet for the longest lock-out (after its lock ended) starts again from
zero; a successful login clears its key (its charge point id from its address).
"""

import datetime
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Left

from chargepoints.models import ChargerLockout
from csms.rows import RowReader

Kind = ChargerLockout.Kind

# An address is shared by the chargers of a site behind one NAT router.
ADDRESS_FAILURES_FACTOR = 10
# Rows of keys long forgiven are deleted when every this many-th row is made,
# so that a scan from many addresses leaves no table behind.
PRUNE_EVERY = 100
# A charge point id's key: "<id> from <address key>" (searchable by id in the admin).
FROM = " from "
UNKNOWN_ADDRESS = "an unknown address"
KEY_MAX_LENGTH = ChargerLockout._meta.get_field("key").max_length
# The locks of one charge point id named on its admin page; the rest are counted.
LOCKS_NAMED = 3

# Read at every handshake that a password decides (a fleet reconnecting at
# once): compiled once.
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
        return address[: KEY_MAX_LENGTH // 2]
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def lockout_key(*, chargepoint_id: str, address: str | None) -> str:
    """The key of a charge point id's failed logins from one client address."""
    return f"{chargepoint_id}{FROM}{lockout_address_key(address) or UNKNOWN_ADDRESS}"


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


def _locked(row: ChargerLockout | None, now: datetime.datetime) -> bool:
    return row is not None and row.locked_until is not None and row.locked_until > now


@dataclass(frozen=True)
class LockoutState:
    """What the lock-out rows say about a handshake, before its credentials are looked at."""

    # The lock in force of this charge point id from this client address, or None.
    own: ChargerLockout | None = None
    # The lock in force of this client address, or None.
    address: ChargerLockout | None = None
    # The charge point id has failures on record from this address: a
    # successful login clears them.
    failures_on_record: bool = False


def lockout_state(
    *, chargepoint_id: str | None, address: str | None, now: datetime.datetime
) -> LockoutState:
    """The locks in force for this charge point id (None: unknown) and address. Reads only."""
    own = None
    if chargepoint_id is not None:
        own = _LOCKOUT.get(
            Kind.CHARGEPOINT, lockout_key(chargepoint_id=chargepoint_id, address=address)
        )
    key = lockout_address_key(address)
    shared = _LOCKOUT.get(Kind.ADDRESS, key) if key is not None else None
    return LockoutState(
        own=own if _locked(own, now) else None,
        address=shared if _locked(shared, now) else None,
        failures_on_record=own is not None,
    )


@dataclass(frozen=True)
class LoginFailure:
    """A failed login as counted: the charge point id's row from this address, if known."""

    # None for an unknown charge point id (counted for its address alone).
    row: ChargerLockout | None
    # False: that key was locked out already, and this failure added nothing.
    counted: bool


@transaction.atomic
def login_failure_record(
    *, chargepoint_id: str | None, address: str | None, now: datetime.datetime
) -> LoginFailure:
    """Count a failed login of a known charge point id (None: an unknown one) from an address.

    The row returned tells by its ``locked_until`` whether the id is locked
    out from this address now (by this failure, or already).
    """
    own, counted = None, True
    if chargepoint_id is not None:
        key = lockout_key(chargepoint_id=chargepoint_id, address=address)
        own, counted = _failure_count(Kind.CHARGEPOINT, key, now)
    # Every failure counts for its address, of unknown ids and known ones
    # alike (a password was checked: one more guess from there), until the
    # address itself is locked out.
    address_key = lockout_address_key(address)
    if address_key is not None:
        _failure_count(Kind.ADDRESS, address_key, now)
    return LoginFailure(own, counted)


def _failure_count(kind: str, key: str, now: datetime.datetime) -> tuple[ChargerLockout, bool]:
    """Count one failure of a key, unless it is locked out: its row, and whether it counted."""
    for _ in range(2):
        # Locked against other processes counting the same key (PostgreSQL;
        # SQLite serialises write transactions): whether it is locked out and
        # the count are read and written as one.
        row = ChargerLockout.objects.select_for_update().filter(kind=kind, key=key).first()
        if _locked(row, now):
            # A handshake checked at the same moment as the failure that
            # locked the key, or let through before: it adds nothing. The
            # lock doubles only for a failure after it ran out.
            return row, False
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
        return row, True
    raise IntegrityError(f"Failed login of {kind} {key} could not be counted")


def login_success_record(*, chargepoint_id: str, address: str | None) -> None:
    """A charge point logged in: its failures from this address are forgiven.

    Not those from other addresses (someone else's guessing, still locked
    out), nor the address's own count.
    """
    key = lockout_key(chargepoint_id=chargepoint_id, address=address)
    ChargerLockout.objects.filter(kind=Kind.CHARGEPOINT, key=key).delete()


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


@dataclass(frozen=True)
class ChargepointLockouts:
    """A charge point id's failed logins, over all the addresses they came from (the admin)."""

    failures: int
    addresses: int
    last_failure_at: datetime.datetime
    # Addresses locked out of this id now: their number, and the latest
    # locks (address key, until), the longest first.
    locked: int
    locks: list[tuple[str, datetime.datetime]]


def chargepoint_lockouts(
    *, chargepoint_id: str, now: datetime.datetime
) -> ChargepointLockouts | None:
    """A charge point id's failures on record from all addresses (the admin's), if any."""
    prefix = f"{chargepoint_id}{FROM}"
    # Compared exactly: LIKE ignores case on SQLite, and ids are case-sensitive.
    rows = ChargerLockout.objects.filter(kind=Kind.CHARGEPOINT, key__startswith=prefix)
    rows = rows.alias(head=Left("key", len(prefix))).filter(head=prefix)
    now_locked = Q(locked_until__gt=now)
    totals = rows.aggregate(
        failures=Sum("failures"),
        addresses=Count("pk"),
        last=Max("last_failure_at"),
        locked=Count("pk", filter=now_locked),
    )
    if not totals["addresses"]:
        return None
    locks = rows.filter(now_locked).order_by("-locked_until").values_list("key", "locked_until")
    return ChargepointLockouts(
        failures=totals["failures"],
        addresses=totals["addresses"],
        last_failure_at=totals["last"],
        locked=totals["locked"],
        locks=[(key[len(prefix) :], until) for key, until in locks[:LOCKS_NAMED]],
    )

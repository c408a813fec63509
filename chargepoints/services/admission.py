"""Who may connect: a charger is admitted only as strongly as its record says.

The OCPP security profiles (OCPP 1.6 security whitepaper ed. 3 §2, OCPP 2.0.1
part 2 A00), stored per charge point:

- profile 0: nothing, and only while CSMS_REQUIRE_CHARGER_AUTH is off;
- profile 1: its HTTP Basic auth password, over ws:// or wss://;
- profile 2: its password over TLS;
- profile 3: a TLS client certificate, verified against CSMS_TLS_CLIENT_CA,
  whose subject names the charge point id (A00.FR.403, A00.FR.405).

A charger proving more than its profile is admitted; less is refused at the
handshake (A00.FR.002) and, for a known charge point, recorded as a
CONNECTION_REFUSED event. A password on record is always required: a password
nobody checks would be a trap. Every refusal of a known charge point counts as
a failed login (chargepoints.services.lockouts), which also bounds the events
an attacker can make us write: one per counted failure, one per lock-out.
"""

import dataclasses
import datetime
import enum
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from chargepoints.enums import ChargerEventKind, RegistrationStatus, SecurityProfile
from chargepoints.models import ChargePoint, ChargerEvent, ChargerLockout
from chargepoints.services.connections import Certificate, Connection, chargepoint_connected
from chargepoints.services.lockouts import (
    lockout_address_key,
    lockout_state,
    login_failure_record,
    login_success_record,
)
from csms.rows import RowReader, row_insert

logger = logging.getLogger(__name__)


class Refusal(enum.StrEnum):
    """Why a handshake was refused: the status of its CONNECTION_REFUSED event."""

    SECURITY_PROFILE_TOO_LOW = "SecurityProfileTooLow"
    INVALID_PASSWORD = "InvalidPassword"
    NO_PASSWORD_ON_RECORD = "NoPasswordOnRecord"
    INVALID_CERTIFICATE = "InvalidCertificate"
    LOCKED_OUT = "LockedOut"
    # No event for these: there is no charge point to hang it on.
    UNKNOWN_CHARGEPOINT = "UnknownChargePoint"
    AUTO_REGISTRATION_LIMIT = "AutoRegistrationLimit"


@dataclass(frozen=True)
class Credentials:
    """What a charger showed at its handshake besides a password (read by the gateway)."""

    address: str | None = None
    tls: bool = False
    # Verified against CSMS_TLS_CLIENT_CA, its subject naming this charge point.
    certificate: Certificate | None = None
    # A client certificate shown that does not count, and why.
    certificate_problem: str = ""


NO_CREDENTIALS = Credentials()


@dataclass(frozen=True)
class Admission:
    known: bool
    password_hash: str = ""
    # A password sent in a rotation whose answer never came: also admits.
    unconfirmed_hash: str = ""
    registered: bool = False
    # Admitted, and recorded as connected if a connection was given.
    admitted: bool = False
    connected: bool = False
    # Refused, and why (a Refusal, and words for the log).
    refused: str = ""
    detail: str = ""
    # The charge point id has failed logins on record from this address: a
    # success clears them.
    failures_on_record: bool = False

    @property
    def password_pending(self) -> bool:
        """Neither admitted nor refused yet: the password decides (chargepoint_password_checked)."""
        return not self.admitted and not self.refused


# Every handshake reads this: compiled once (csms/rows.py). A fleet
# reconnecting after an outage is ten thousand of them at once.
_CREDENTIALS = RowReader(
    ChargePoint,
    ["pk"],
    fields=["password", "password_unconfirmed", "security_profile", "ip_address"],
)


def chargepoint_admit(
    *,
    chargepoint_id: str,
    auto_register: bool,
    auto_register_status: str = RegistrationStatus.PENDING,
    connection: Connection | None = None,
    credentials: Credentials = NO_CREDENTIALS,
    require_auth: bool | None = None,
) -> Admission:
    """Admit or refuse a connecting charger, or hand back the password hash to check.

    The password itself is checked by ``chargepoint_password_matches``, apart
    from the database: hashing is CPU work that must not hold up the
    database work of every other charger; ``chargepoint_password_checked``
    then records the outcome. A charger that needs no password (profile 0, or
    a client certificate) is admitted here and, given its ``connection``,
    recorded as connected in the same call: one round trip to the database.
    ``require_auth`` defaults to CSMS_REQUIRE_CHARGER_AUTH.

    Lock-outs (chargepoints.services.lockouts) stop the guessing of
    passwords: they hold back every handshake that a password decides or
    that is refused, of a charge point id locked out from this client
    address, or from a locked address, and no other. A known charger
    connecting from the address it last connected from is not held back by
    its address's lock: that is its site's NAT router, shared with whoever
    else is failing there.
    """
    now = timezone.now()
    chargepoint = _CREDENTIALS.get(chargepoint_id)
    registered = False
    if chargepoint is None and auto_register:
        registered = _registered(chargepoint_id, auto_register_status, now)
        if registered is None:
            return Admission(
                False,
                refused=Refusal.AUTO_REGISTRATION_LIMIT,
                detail=f"over CSMS_AUTO_REGISTER_PER_MINUTE "
                f"({settings.CSMS_AUTO_REGISTER_PER_MINUTE})",
            )
        # Registered by another process meanwhile: as it stands.
        chargepoint = ChargePoint(pk=chargepoint_id) if registered else None
        chargepoint = chargepoint or _CREDENTIALS.get(chargepoint_id)
    if chargepoint is None:
        state = lockout_state(chargepoint_id=None, address=credentials.address, now=now)
        if state.address is not None:
            return _locked_out(chargepoint_id, False, state.address, credentials, now)
        # A dummy hash is checked, then the failure counted for the address
        # (chargepoint_password_checked): as slow as a wrong password.
        return Admission(False)
    if require_auth is None:
        require_auth = settings.CSMS_REQUIRE_CHARGER_AUTH
    required = _profile_required(chargepoint, require_auth)
    certificate = credentials.certificate
    if required == SecurityProfile.NONE or certificate is not None:
        # Nothing to guess here, so no lock-out applies (lock-outs stop
        # guessing): a certificate cannot be guessed, and refusing it would
        # let anyone who fails on this id lock the charger out. The common
        # case of the local demo stays one read and one write.
        admission = Admission(True, registered=registered, admitted=True)
        if connection is not None:
            connection = dataclasses.replace(connection, certificate=certificate)
            chargepoint_connected(chargepoint_id=chargepoint_id, connection=connection)
            if certificate is not None:
                login_success_record(chargepoint_id=chargepoint_id, address=credentials.address)
            admission = dataclasses.replace(admission, connected=True)
        return admission
    # Its password decides, or it is refused: either way, not while locked
    # out, and then before any credential is looked at (the right ones too).
    state = lockout_state(chargepoint_id=chargepoint_id, address=credentials.address, now=now)
    lock = state.own or (None if _at_home(chargepoint, credentials) else state.address)
    if lock is not None:
        return _locked_out(chargepoint_id, True, lock, credentials, now)
    refusal = _refused_before_password(chargepoint, required, credentials)
    if refusal is not None:
        return _refuse(chargepoint_id, *refusal, credentials, now)
    return Admission(
        True,
        password_hash=chargepoint.password,
        unconfirmed_hash=chargepoint.password_unconfirmed,
        failures_on_record=state.failures_on_record,
    )


def _at_home(chargepoint: ChargePoint, credentials: Credentials) -> bool:
    """Whether the charger connects from the address of its last connection (IPv6: its /64)."""
    home = lockout_address_key(chargepoint.ip_address)
    return home is not None and home == lockout_address_key(credentials.address)


def _profile_required(chargepoint: ChargePoint, require_auth: bool) -> int:
    required = chargepoint.security_profile
    if chargepoint.password or require_auth:
        required = max(required, SecurityProfile.BASIC_AUTH)
    return required


def _refused_before_password(
    chargepoint: ChargePoint, required: int, credentials: Credentials
) -> tuple[Refusal, str] | None:
    if required == SecurityProfile.CLIENT_CERTIFICATE:
        # OCPP 2.0.1 A00.FR.407: no valid certificate, no connection. Behind a
        # proxy that terminates TLS there is none: the proxy cannot hand it on.
        if credentials.certificate_problem:
            return Refusal.INVALID_CERTIFICATE, credentials.certificate_problem
        detail = "security profile 3 needs a client certificate"
        if not settings.CSMS_TLS_CLIENT_CA:
            detail += " (this server asks for none: CSMS_TLS_CLIENT_CA is not set)"
        return Refusal.SECURITY_PROFILE_TOO_LOW, detail
    if required == SecurityProfile.BASIC_AUTH_TLS and not credentials.tls:
        return Refusal.SECURITY_PROFILE_TOO_LOW, "security profile 2 needs TLS (wss://)"
    if not chargepoint.password:
        if chargepoint.security_profile == SecurityProfile.NONE:
            return Refusal.SECURITY_PROFILE_TOO_LOW, (
                "CSMS_REQUIRE_CHARGER_AUTH: security profile 1 at least, and it has no password"
            )
        # Never admitted on an empty password: nothing to compare with.
        return Refusal.NO_PASSWORD_ON_RECORD, (
            f"security profile {chargepoint.security_profile} and no password on record"
        )
    return None


def chargepoint_password_checked(
    *,
    chargepoint_id: str,
    admission: Admission,
    matched: bool,
    password_given: bool,
    credentials: Credentials = NO_CREDENTIALS,
    connection: Connection | None = None,
    unconfirmed: bool = False,
) -> Admission:
    """Record how the password check of a pending admission went: connected, or refused.

    ``unconfirmed``: the charger presented the password a rotation sent it
    whose acceptance never reached us. It took it, so that is its password
    from now on: without this it would be locked out for good.
    """
    now = timezone.now()
    if not admission.known:
        # Not told apart from a wrong password; counted for the address alone
        # (a row per id tried would let a scan of random ids grow the table).
        login_failure_record(chargepoint_id=None, address=credentials.address, now=now)
        return dataclasses.replace(
            admission, refused=Refusal.UNKNOWN_CHARGEPOINT, detail="unknown charge point"
        )
    if matched:
        if unconfirmed:
            _unconfirmed_promote(chargepoint_id, admission.unconfirmed_hash)
        if connection is not None:
            chargepoint_connected(chargepoint_id=chargepoint_id, connection=connection)
        if admission.failures_on_record:
            login_success_record(chargepoint_id=chargepoint_id, address=credentials.address)
        return dataclasses.replace(admission, admitted=True, connected=connection is not None)
    if password_given:
        return _refuse(chargepoint_id, Refusal.INVALID_PASSWORD, "wrong password", credentials, now)
    return _refuse(
        chargepoint_id,
        Refusal.SECURITY_PROFILE_TOO_LOW,
        "no password (HTTP Basic auth) given",
        credentials,
        now,
    )


def _unconfirmed_promote(chargepoint_id: str, unconfirmed_hash: str) -> None:
    # Conditional: a rotation started meanwhile has sent another password.
    ChargePoint.objects.filter(pk=chargepoint_id, password_unconfirmed=unconfirmed_hash).update(
        password=unconfirmed_hash, password_unconfirmed="", last_updated=timezone.now()
    )
    logger.info(
        "%s presented the password last sent to it, whose acceptance never arrived: "
        "it is its password now",
        chargepoint_id,
    )


def _refuse(
    chargepoint_id: str,
    refusal: Refusal,
    detail: str,
    credentials: Credentials,
    now: datetime.datetime,
) -> Admission:
    """A known charge point refused: a failed login, and an event for the operator."""
    failure = login_failure_record(
        chargepoint_id=chargepoint_id, address=credentials.address, now=now
    )
    if not failure.counted:
        # Checked at the same moment as the failure that locked it out: one
        # event per lock-out, as for those refused unchecked.
        return _locked_out(chargepoint_id, True, failure.row, credentials, now)
    if failure.row.locked_until is not None and failure.row.locked_until > now:
        detail = f"{detail}; locked out until {failure.row.locked_until:%Y-%m-%d %H:%M:%S} UTC"
    _refusal_event(chargepoint_id, refusal, detail, credentials, now)
    return Admission(True, refused=refusal, detail=detail)


def _locked_out(
    chargepoint_id: str,
    known: bool,
    lock: ChargerLockout,
    credentials: Credentials,
    now: datetime.datetime,
) -> Admission:
    if lock.kind == ChargerLockout.Kind.CHARGEPOINT:
        whose = "charge point locked out from this client address"
    else:
        whose = "client address locked out"
    detail = f"{whose} until {lock.locked_until:%Y-%m-%d %H:%M:%S} UTC"
    # One event per lock-out, not one per attempt: the lock started at its
    # last failure.
    if (
        known
        and not ChargerEvent.objects.filter(
            chargepoint_id=chargepoint_id,
            kind=ChargerEventKind.CONNECTION_REFUSED,
            status=Refusal.LOCKED_OUT,
            timestamp__gte=lock.last_failure_at,
        ).exists()
    ):
        _refusal_event(chargepoint_id, Refusal.LOCKED_OUT, detail, credentials, now)
    return Admission(known, refused=Refusal.LOCKED_OUT, detail=detail)


@transaction.atomic
def _refusal_event(
    chargepoint_id: str,
    refusal: Refusal,
    detail: str,
    credentials: Credentials,
    now: datetime.datetime,
) -> None:
    # Locked, so that a charge point deleted meanwhile cannot fail the
    # commit of the whole gateway batch on its foreign key (ocpp_gateway.db).
    if not ChargePoint.objects.select_for_update().filter(pk=chargepoint_id).exists():
        return
    ChargerEvent.objects.create(
        chargepoint_id=chargepoint_id,
        kind=ChargerEventKind.CONNECTION_REFUSED,
        status=refusal,
        detail=f"from {credentials.address or 'an unknown address'}: {detail}",
        payload={"address": credentials.address, "tls": credentials.tls},
        timestamp=now,
    )


# pg_advisory_xact_lock's key for auto-registration: any constant of our own.
AUTO_REGISTRATION_LOCK = int.from_bytes(b"CSMS-reg", "big")


def _registered(chargepoint_id: str, status: str, now: datetime.datetime) -> bool | None:
    """Register an unknown charger: True; False when another process just did; None over the cap.

    At most CSMS_AUTO_REGISTER_PER_MINUTE a minute, counted in the database
    across all processes: a script cycling through random ids fills no table.
    """
    cap = settings.CSMS_AUTO_REGISTER_PER_MINUTE
    try:
        with transaction.atomic():
            if cap > 0:
                # Counted and inserted as one: a hundred handshakes at once
                # across two processes registered 32 against a cap of 10.
                _registrations_serialised()
                recent = ChargePoint.objects.filter(
                    auto_registered=True, created_at__gte=now - datetime.timedelta(minutes=1)
                ).count()
                if recent >= cap:
                    return None
            row_insert(
                ChargePoint(pk=chargepoint_id, registration_status=status, auto_registered=True)
            )
    except IntegrityError:
        return False
    return True


def _registrations_serialised() -> None:
    """Hold back other registrations until this transaction ends (the count stays true).

    PostgreSQL: a transaction-scoped advisory lock, released at the commit
    (of the gateway's batch, ocpp_gateway.db), after which the next one's
    count (READ COMMITTED: a fresh snapshot per statement) sees this row.
    SQLite: every transaction is a write transaction from its BEGIN
    IMMEDIATE (csms/settings.py), which holds every other writer already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUTO_REGISTRATION_LOCK])

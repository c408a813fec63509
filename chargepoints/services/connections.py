"""A charger's connection state and its password (security profiles 1 and 2).

Who may connect is decided in chargepoints.services.admission.
"""

import datetime
import enum
import functools
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.services.live import CHARGER, user_note
from chargepoints.enums import SESSION_OPEN, ReservationStatus, SecurityProfile
from chargepoints.models import ChargePoint, ChargingSession, Reservation
from chargepoints.services.live import CONNECTION, live_network_changed, live_network_changed_many
from csms.rows import keys_present, row_update
from csms.sockets import chargepoint_group, group_send_on_commit

CHARGER_PASSWORD_HASHER = "pbkdf2_sha256_charger"


class PasswordMatch(enum.Enum):
    NONE = ""
    CURRENT = "current"
    # The one sent in a rotation whose answer never came (ChargePoint.password_unconfirmed).
    UNCONFIRMED = "unconfirmed"


# OCPP 2.0.1 BasicAuthPassword: 16 to 40 characters (security profile 1).
PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH = 16, 40


@dataclass(frozen=True)
class Certificate:
    """A client certificate that proves a charge point's identity (security profile 3)."""

    serial: str
    fingerprint: str  # SHA-256, hexadecimal


@dataclass(frozen=True)
class Connection:
    """A charger's live WebSocket connection, as the charge point's row records it."""

    connection_id: str
    ocpp_version: str
    ip_address: str | None = None
    websocket_port: int | None = None
    # The server process holding it (csms.process), so that its chargers go
    # offline when that process dies.
    process_id: str = ""
    # Security profile 3: the certificate it connected with, kept on the charge point.
    certificate: Certificate | None = None


def chargepoints_existing(chargepoint_ids: set[str]) -> set[str]:
    """Which of these charge points still exist (one may be deleted while connected)."""
    # Asked with every batch of the gateway's message log: SQL built once (csms/rows.py).
    return keys_present(ChargePoint, chargepoint_ids)


@functools.cache
def _dummy_hash() -> str:
    return make_password("no charger has this password", hasher=CHARGER_PASSWORD_HASHER)


def chargepoint_password_matches(*, password_hash: str, password: str | None) -> bool:
    """Whether the presented password admits the charger; no database access.

    Without a hash (an unknown charger) a dummy one is checked, so the time
    taken does not tell whether a charge point id exists; an empty hash never
    matches.
    """
    if not password_hash:
        check_password(password or "", _dummy_hash())
        return False
    return password is not None and check_password(password, password_hash)


def password_hash(password: str) -> str:
    """The stored form of a charger's password (never the password itself)."""
    return make_password(password, hasher=CHARGER_PASSWORD_HASHER)


def chargepoint_password_verdict(
    *, password_hash: str, unconfirmed_hash: str, password: str | None
) -> PasswordMatch:
    """Which of the charger's passwords the presented one is; no database access."""
    if chargepoint_password_matches(password_hash=password_hash, password=password):
        return PasswordMatch.CURRENT
    if unconfirmed_hash and password is not None and check_password(password, unconfirmed_hash):
        return PasswordMatch.UNCONFIRMED
    return PasswordMatch.NONE


def chargepoint_set_password(
    *, chargepoint: ChargePoint, password: str | None, hashed: str | None = None
) -> None:
    """Set (or with None, remove) the HTTP Basic password a charger must present.

    A charger given a password is on security profile 1 at least from then
    on: a password nobody asks for protects nothing. Removing it lowers no
    profile (OCPP 2.0.1 A00.FR.005: lowering is a deliberate act, not a side
    effect); a profile 1 or 2 charger without one is refused until it has one.

    ``hashed``: ``password``'s hash (password_hash), when the caller made it
    already, e.g. an import hashing its lines side by side before its
    transaction opens; it is stored as given.
    """
    # Whatever was sent and never confirmed is superseded.
    chargepoint.password_unconfirmed = ""
    fields = ["password", "password_unconfirmed", "last_updated"]
    if password is None:
        chargepoint.password = ""
    else:
        if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
            raise ValidationError(
                {
                    "password": f"OCPP requires {PASSWORD_MIN_LENGTH} to "
                    f"{PASSWORD_MAX_LENGTH} characters."
                }
            )
        chargepoint.password = hashed or password_hash(password)
        if chargepoint.security_profile < SecurityProfile.BASIC_AUTH:
            chargepoint.security_profile = SecurityProfile.BASIC_AUTH
            fields.append("security_profile")
    chargepoint.save(update_fields=fields)


# What a connection was admitted on (and, for Authorize, what it keeps): a
# change of any closes it (chargepoint_connection_revoke).
ADMISSION_TERMS = ("registration_status", "security_profile", "password")


def chargepoint_terms(chargepoint: ChargePoint) -> tuple:
    return tuple(getattr(chargepoint, name) for name in ADMISSION_TERMS)


def chargepoint_terms_enforce(*, chargepoint: ChargePoint, before: tuple) -> bool:
    """Close the charger's connection if its terms changed since ``before``; whether they did."""
    if chargepoint_terms(chargepoint) == before:
        return False
    chargepoint_connection_revoke(
        chargepoint_id=chargepoint.pk, reason="an operator changed its security or registration"
    )
    return True


def chargepoint_connection_revoke(*, chargepoint_id: str, reason: str) -> None:
    """Close the charger's live connection, once committed: what admitted it has changed.

    A connection is admitted once, at its handshake; an operator who raises
    the security profile, changes the password or stops accepting the
    charger wants it to meet the new terms now. It reconnects and is
    admitted (or refused) by them, and its new connection reads its
    registration status afresh.
    """
    group_send_on_commit(
        groups=[chargepoint_group(chargepoint_id)],
        message={"type": "connection.revoked", "reason": reason},
    )


def chargepoint_connected(*, chargepoint_id: str, connection: Connection) -> None:
    """Record the live connection. A newer connection simply takes over the row."""
    row = ChargePoint(
        pk=chargepoint_id,
        connected=True,
        connection_id=connection.connection_id,
        ocpp_version=connection.ocpp_version,
        ip_address=connection.ip_address,
        websocket_port=connection.websocket_port,
        connection_process=connection.process_id,
    )
    fields = _CONNECTED_FIELDS
    if connection.certificate is not None:
        row.client_cert_serial = connection.certificate.serial
        row.client_cert_fingerprint = connection.certificate.fingerprint
        fields = _CONNECTED_WITH_CERTIFICATE_FIELDS
    row_update(row, fields)
    live_network_changed(chargepoint_id=chargepoint_id, what=CONNECTION)
    _drivers_told(chargepoints=[chargepoint_id])


_CONNECTED_FIELDS = [
    "connected",
    "connection_id",
    "connection_process",
    "ocpp_version",
    "ip_address",
    "websocket_port",
]
_CONNECTED_WITH_CERTIFICATE_FIELDS = [
    *_CONNECTED_FIELDS,
    "client_cert_serial",
    "client_cert_fingerprint",
]


def chargepoint_disconnected(*, chargepoint_id: str, connection_id: str) -> bool:
    """Clear the connected flag, unless a newer connection has already replaced this one."""
    updated = ChargePoint.objects.filter(pk=chargepoint_id, connection_id=connection_id).update(
        connected=False, connection_id="", connection_process="", last_updated=timezone.now()
    )
    if updated:
        live_network_changed(chargepoint_id=chargepoint_id, what=CONNECTION)
        _drivers_told(chargepoints=[chargepoint_id])
    return bool(updated)


def chargepoints_connection_set(
    chargers: QuerySet, *, connected: bool, last_updated: datetime.datetime, **fields
) -> int:
    """Update the connection state of these chargers (a server process's); how many changed.

    The staff's live pages hear which ones went offline (or online again):
    read back only when some did, so a quiet sweep costs no more. The rows
    this write changed carry its time to the microsecond; the odd other row
    written at that very time is announced too, which costs a page one
    needless re-read.
    """
    updated = chargers.update(connected=connected, last_updated=last_updated, **fields)
    if updated:
        changed = ChargePoint.objects.filter(connected=connected, last_updated=last_updated)
        live_network_changed_many(
            chargepoint_ids=list(changed.values_list("pk", flat=True)), what=CONNECTION
        )
        _drivers_told(chargepoints=changed.values("pk"))
    return updated


def _drivers_told(*, chargepoints) -> None:
    """Drivers charging or holding a reservation at these chargers hear they went on/offline.

    One query for all of them, and only when a connection starts or ends:
    the per-frame path never pays for it.
    """
    for user_id, chargepoint_id in set(chargepoint_drivers(chargepoints=chargepoints)):
        user_note(user_id=user_id, what=CHARGER, id=chargepoint_id)


def chargepoint_drivers(*, chargepoints, user_id: int | None = None) -> QuerySet:
    """(user_id, chargepoint_id) of the drivers with an open session or an active reservation.

    ``chargepoints``: ids, or a query of them (a dead process's chargers,
    however many); ``user_id``: only this driver's.
    """
    mine = {} if user_id is None else {"user_id": user_id}
    charging = ChargingSession.objects.filter(
        chargepoint__in=chargepoints, status__in=SESSION_OPEN, user__isnull=False, **mine
    )
    reserved = Reservation.objects.filter(
        chargepoint__in=chargepoints,
        status=ReservationStatus.ACTIVE,
        user__isnull=False,
        **mine,
    )
    # Unordered: SQLite refuses an ORDER BY (the models' default) inside a UNION.
    pair = ("user_id", "chargepoint_id")
    return charging.order_by().values_list(*pair).union(reserved.order_by().values_list(*pair))

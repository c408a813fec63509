"""Admission of chargers and their connection state."""

import dataclasses
import functools
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chargepoints.enums import RegistrationStatus
from chargepoints.models import ChargePoint
from csms.rows import RowReader, keys_present, row_insert, row_update

CHARGER_PASSWORD_HASHER = "pbkdf2_sha256_charger"
# OCPP 2.0.1 BasicAuthPassword: 16 to 40 characters (security profile 1).
PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH = 16, 40


@dataclass(frozen=True)
class Admission:
    known: bool
    password_hash: str = ""
    registered: bool = False
    # Admitted and recorded as connected already (no password to check).
    connected: bool = False


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


# Every handshake reads this: compiled once (csms/rows.py). A fleet
# reconnecting after an outage is ten thousand of them at once.
_CREDENTIALS = RowReader(ChargePoint, ["pk"], fields=["password"])


def chargepoint_admit(
    *,
    chargepoint_id: str,
    auto_register: bool,
    auto_register_status: str = RegistrationStatus.ACCEPTED,
    connection: Connection | None = None,
) -> Admission:
    """Whether a connecting charger is known (registering it if allowed), and its password hash.

    The password itself is checked by ``chargepoint_password_matches``, apart
    from the database: hashing is CPU work that must not hold up the
    database work of every other charger. A charger that needs no password
    is admitted here and, given its ``connection``, recorded as connected in
    the same call: one round trip to the database per handshake.
    """
    chargepoint = _CREDENTIALS.get(chargepoint_id)
    if chargepoint is not None:
        admission = Admission(True, password_hash=chargepoint.password)
    elif not auto_register:
        return Admission(False)
    else:
        admission = Admission(True, registered=_registered(chargepoint_id, auto_register_status))
    if connection is not None and not admission.password_hash:
        chargepoint_connected(chargepoint_id=chargepoint_id, connection=connection)
        admission = dataclasses.replace(admission, connected=True)
    return admission


def _registered(chargepoint_id: str, status: str) -> bool:
    """Register an unknown charger; False when another process just did."""
    try:
        with transaction.atomic():
            row_insert(ChargePoint(pk=chargepoint_id, registration_status=status))
    except IntegrityError:
        return False
    return True


def chargepoints_existing(chargepoint_ids: set[str]) -> set[str]:
    """Which of these charge points still exist (one may be deleted while connected)."""
    # Asked with every batch of the gateway's message log: SQL built once (csms/rows.py).
    return keys_present(ChargePoint, chargepoint_ids)


@functools.cache
def _dummy_hash() -> str:
    return make_password("no charger has this password", hasher=CHARGER_PASSWORD_HASHER)


def chargepoint_password_matches(*, admission: Admission, password: str | None) -> bool:
    """Whether the presented password admits the charger; no database access.

    Unknown chargers are checked against a dummy hash, so the time taken does
    not tell whether a charge point id exists.
    """
    if not admission.known:
        check_password(password or "", _dummy_hash())
        return False
    if not admission.password_hash:
        return True
    return password is not None and check_password(password, admission.password_hash)


def chargepoint_set_password(*, chargepoint: ChargePoint, password: str | None) -> None:
    """Set (or with None, remove) the HTTP Basic password a charger must present."""
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
        chargepoint.password = make_password(password, hasher=CHARGER_PASSWORD_HASHER)
    chargepoint.save(update_fields=["password", "last_updated"])


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
    row_update(
        row,
        [
            "connected",
            "connection_id",
            "connection_process",
            "ocpp_version",
            "ip_address",
            "websocket_port",
        ],
    )


def chargepoint_disconnected(*, chargepoint_id: str, connection_id: str) -> bool:
    """Clear the connected flag, unless a newer connection has already replaced this one."""
    updated = ChargePoint.objects.filter(pk=chargepoint_id, connection_id=connection_id).update(
        connected=False, connection_id="", connection_process="", last_updated=timezone.now()
    )
    return bool(updated)

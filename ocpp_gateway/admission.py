"""Reading a charger's identity, protocol and credentials from the handshake."""

import base64
import functools
import hashlib
import logging
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from django.conf import settings

from chargepoints.enums import OcppProtocol
from chargepoints.models.stations import CHARGEPOINT_ID_MAX_LENGTH
from chargepoints.services.admission import Credentials
from chargepoints.services.connections import Certificate

logger = logging.getLogger(__name__)

# The versions of OcppProtocol (the one list), in the server's preference when
# a charger offers several (OCPP-J 1.6 §3.1.2, 2.0.1 part 4 §3.1.2: the CSMS
# picks one of the offered subprotocols). 2.0.1 before 2.1: our 2.1 support
# is the 2.0.1 message set.
SUPPORTED_SUBPROTOCOLS = tuple(
    version.value for version in (OcppProtocol.OCPP201, OcppProtocol.OCPP21, OcppProtocol.OCPP16)
)


def origin_refused(headers) -> str | None:
    """The Origin of a handshake that may not connect as a charger, else None.

    Chargers send no Origin header; browsers always do, and a page could
    otherwise open a charger's connection from any visitor's machine (on
    their network, past our firewall). Only origins the operator listed in
    CSMS_OCPP_ALLOWED_ORIGINS (a web-based charger simulator, say) may.
    """
    for name, value in headers:
        if name == b"origin":
            origin = value.decode("latin-1")
            return None if origin in settings.CSMS_OCPP_ALLOWED_ORIGINS else origin
    return None


def chargepoint_id_from_path(raw_path: bytes | str) -> str | None:
    """The charge point id of ``/ocpp/<id>``: percent-decoded, printable, no '/'.

    Read from the raw path so that an encoded slash (%2F) is refused instead
    of silently splitting the id.
    """
    if isinstance(raw_path, bytes):
        raw_path = raw_path.decode("latin-1")
    prefix = "/ocpp/"
    if not raw_path.startswith(prefix):
        return None
    encoded = raw_path[len(prefix) :].split("?", 1)[0].rstrip("/")
    if not encoded or "/" in encoded:
        return None
    try:
        identity = unquote(encoded, errors="strict")
    except UnicodeDecodeError:
        return None
    if "/" in identity or len(identity) > CHARGEPOINT_ID_MAX_LENGTH:
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in identity):
        return None
    return identity


def negotiate_subprotocol(offered: list[str]) -> str | None:
    for subprotocol in SUPPORTED_SUBPROTOCOLS:
        if subprotocol in offered:
            return subprotocol
    return None


def basic_auth_password(headers: list[tuple[bytes, bytes]], chargepoint_id: str) -> str | None:
    """The password of an HTTP Basic ``Authorization`` header for this charger, if any.

    OCPP security profile 1: the user name is the charge point id. The id
    may itself contain ':', so the known id is matched as a prefix rather
    than splitting on the first colon.
    """
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        scheme, _, token = value.decode("latin-1").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except ValueError:
            # Not base64 (binascii.Error), bytes beyond ASCII in the header
            # (b64decode's own ValueError) or not UTF-8 (UnicodeDecodeError):
            # no password, so refused and counted as a failed login.
            return None
        user = f"{chargepoint_id}:"
        return decoded[len(user) :] if decoded.startswith(user) else None
    return None


def handshake_credentials(scope, chargepoint_id: str, address: str | None) -> Credentials:
    """What the connection itself proves, besides a password: TLS, and a client certificate.

    Over TLS the server put the ASGI TLS extension in the scope (csms/serving.py),
    with the client certificate it verified. Behind a reverse proxy that
    terminates TLS (CSMS_TLS_PROXY), the proxy's word is taken for TLS, but
    no certificate reaches us: such a proxy cannot hand one on that we could
    verify, so security profile 3 needs the CSMS to terminate TLS itself.
    """
    tls = (scope.get("extensions") or {}).get("tls")
    if tls is None:
        return Credentials(address=address, tls=_tls_by_proxy(scope.get("headers", ())))
    certificate, problem = _client_certificate(tls, chargepoint_id)
    return Credentials(
        address=address, tls=True, certificate=certificate, certificate_problem=problem
    )


def _tls_by_proxy(headers) -> bool:
    """Whether the TLS-terminating proxy says the charger connected over TLS.

    Only with CSMS_TLS_PROXY, which the operator sets for a server reachable
    through that proxy alone: otherwise anyone may write the header. Every
    value must say TLS, so that a value the client wrote itself, ahead of the
    one the proxy added, cannot turn plain ws:// into TLS.
    """
    if not settings.CSMS_TLS_PROXY:
        return False
    values = [
        part.strip().lower()
        for name, value in headers
        if name == b"x-forwarded-proto"
        for part in value.decode("latin-1").split(",")
    ]
    return bool(values) and all(value in {"https", "wss"} for value in values)


# CSMS_TLS_CLIENT_CERT_FIELD: the subject field that must equal the charge point id.
SUBJECT_FIELDS = {
    "CN": NameOID.COMMON_NAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "UID": NameOID.USER_ID,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
}


@functools.cache
def subject_field(name: str) -> x509.ObjectIdentifier | None:
    """The OID of a subject field, by its short name (CN, serialNumber, ...) or dotted OID."""
    if name in SUBJECT_FIELDS:
        return SUBJECT_FIELDS[name]
    try:
        return x509.ObjectIdentifier(name)
    except ValueError:
        return None


def _client_certificate(tls: dict, chargepoint_id: str) -> tuple[Certificate | None, str]:
    """The client certificate, if it proves this charge point's identity; else why not."""
    chain = list(tls.get("client_cert_chain") or ())
    if not chain:
        return None, ""
    # OCPP 2.0.1 A00.FR.403: the certification path, verified by the server
    # against CSMS_TLS_CLIENT_CA.
    if tls.get("client_cert_error"):
        return None, f"client certificate not verified: {tls['client_cert_error']}"
    try:
        certificate = x509.load_pem_x509_certificate(chain[0].encode("ascii"))
    except ValueError:
        return None, "client certificate unreadable"
    name = settings.CSMS_TLS_CLIENT_CERT_FIELD
    oid = subject_field(name)
    if oid is None:
        logger.error("CSMS_TLS_CLIENT_CERT_FIELD %r is no subject field", name)
        return None, f"CSMS_TLS_CLIENT_CERT_FIELD {name!r} is no subject field"
    # OCPP 2.0.1 A00.FR.405: the certificate names this charging station.
    values = [attribute.value for attribute in certificate.subject.get_attributes_for_oid(oid)]
    if values != [chargepoint_id]:
        shown = ", ".join(repr(value) for value in values) or "nothing"
        return None, f"client certificate subject {name} is {shown}, not the charge point id"
    return Certificate(
        serial=f"{certificate.serial_number:X}"[:64],
        fingerprint=certificate.fingerprint(hashes.SHA256()).hex().upper(),
    ), ""


def group_name(chargepoint_id: str) -> str:
    """The channel-layer group of one charger (group names allow ASCII only)."""
    return "cp." + hashlib.sha256(chargepoint_id.encode()).hexdigest()[:40]

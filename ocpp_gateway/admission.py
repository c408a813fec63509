"""Reading a charger's identity, protocol and credentials from the handshake."""

import base64
import binascii
import hashlib
from urllib.parse import unquote

from django.conf import settings

from chargepoints.enums import OcppProtocol
from chargepoints.models.stations import CHARGEPOINT_ID_MAX_LENGTH

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
        except (binascii.Error, UnicodeDecodeError):
            return None
        user = f"{chargepoint_id}:"
        return decoded[len(user) :] if decoded.startswith(user) else None
    return None


def group_name(chargepoint_id: str) -> str:
    """The channel-layer group of one charger (group names allow ASCII only)."""
    return "cp." + hashlib.sha256(chargepoint_id.encode()).hexdigest()[:40]

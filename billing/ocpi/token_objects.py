"""The OCPI 2.2.1 Token object (tokens §12.3.2): read one an eMSP sent, write one we keep.

An eMSP's Token becomes the field values of a PartnerToken (billing.models);
anything the spec does not allow is refused with the field it is about, so a
partner learns what to fix (status 2001) and nothing half-valid is stored.
"""

import re
from typing import Any

from billing.enums import TokenType, WhitelistType
from billing.models import PartnerToken
from billing.ocpi.fields import CI_STRING
from billing.ocpi.pagination import parse_datetime
from billing.ocpi.responses import OcpiError
from billing.snapshots import ocpi_timestamp


class InvalidToken(ValueError):
    """A Token (or a use of one) we refuse; the message names the field."""


# OCPI 2.2.1 types §16.1 string: printable UTF-8 (no control characters such
# as line breaks or NUL); CiString: billing/ocpi/fields.py.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# sessions §9.4.3 ProfileType.
PROFILE_TYPES = ("CHEAP", "FAST", "GREEN", "REGULAR")

# (field, cardinality 1?, kind, max length): the Token object, tokens §12.3.2.
_TEXT_FIELDS = (
    ("country_code", True, "ci", 2),
    ("party_id", True, "ci", 3),
    ("uid", True, "ci", 36),
    ("contract_id", True, "ci", 36),
    ("visual_number", False, "string", 64),
    ("issuer", True, "string", 64),
    ("group_id", False, "ci", 36),
    ("language", False, "string", 2),
)
TOKEN_FIELDS = (
    *(name for name, *_ in _TEXT_FIELDS),
    "type",
    "valid",
    "whitelist",
    "default_profile_type",
    "energy_contract",
    "last_updated",
)


def _text(body: dict, name: str, *, required: bool, kind: str, max_length: int) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidToken(f"{name} is required.")
        return ""
    if not isinstance(value, str):
        raise InvalidToken(f"{name} must be a string.")
    if kind == "ci" and not CI_STRING.fullmatch(value):
        raise InvalidToken(f"{name} may hold printable ASCII characters only.")
    if kind == "string" and _CONTROL.search(value):
        raise InvalidToken(f"{name} may not hold control characters.")
    if len(value) > max_length:
        raise InvalidToken(f"{name} is longer than {max_length} characters.")
    if required and not value.strip():
        raise InvalidToken(f"{name} may not be empty.")
    return value


def _choice(body: dict, name: str, choices: Any, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if value not in choices:
        raise InvalidToken(f"{name} must be one of {', '.join(choices)}.")
    return value


def _energy_contract(value: Any) -> dict | None:
    # tokens §12.4.2 EnergyContract.
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidToken("energy_contract must be an object.")
    contract = {
        "supplier_name": _text(value, "supplier_name", required=True, kind="string", max_length=64),
    }
    contract_id = _text(value, "contract_id", required=False, kind="string", max_length=64)
    if contract_id:
        contract["contract_id"] = contract_id
    return contract


def _same(name: str, value: str, expected: str | None) -> None:
    # tokens §12.2.1.2: the URL's country_code and party_id "SHALL be the same
    # value" as the Token's; CiStrings compare regardless of case.
    if expected is not None and value.casefold() != expected.casefold():
        raise InvalidToken(f"{name} {value!r} does not match the URL's {expected!r}.")


def token_from_ocpi(
    body: Any,
    *,
    country_code: str | None = None,
    party_id: str | None = None,
    uid: str | None = None,
) -> dict:
    """Validate a complete Token object; the PartnerToken field values it gives.

    ``country_code``, ``party_id`` and ``uid`` (the URL's, when given) must be
    the Token's own. Raises InvalidToken naming the field at fault.
    """
    if not isinstance(body, dict):
        raise InvalidToken("The Token must be a JSON object.")
    token: dict[str, Any] = {}
    for name, required, kind, max_length in _TEXT_FIELDS:
        token[name] = _text(body, name, required=required, kind=kind, max_length=max_length)
    _same("country_code", token["country_code"], country_code)
    _same("party_id", token["party_id"], party_id)
    _same("uid", token["uid"], uid)
    # CiString: one spelling for a party, whatever case the eMSP writes it in.
    token["country_code"] = token["country_code"].upper()
    token["party_id"] = token["party_id"].upper()
    token["type"] = _choice(body, "type", TokenType.values)
    if not isinstance(body.get("valid"), bool):
        raise InvalidToken("valid is required and must be true or false.")
    token["valid"] = body["valid"]
    token["whitelist"] = _choice(body, "whitelist", WhitelistType.values)
    token["default_profile_type"] = _choice(
        body, "default_profile_type", PROFILE_TYPES, required=False
    )
    token["energy_contract"] = _energy_contract(body.get("energy_contract"))
    last_updated = body.get("last_updated")
    if not isinstance(last_updated, str):
        raise InvalidToken("last_updated is required and must be an OCPI DateTime.")
    try:
        token["last_updated"] = parse_datetime(last_updated, name="last_updated")
    except OcpiError as error:
        raise InvalidToken(error.message) from None
    return token


def token_ocpi(token: PartnerToken) -> dict:
    """The Token as we keep it (tokens §12.2.1.1 GET): optional fields only when set."""
    data: dict[str, Any] = {
        "country_code": token.country_code,
        "party_id": token.party_id,
        "uid": token.uid,
        "type": token.type,
        "contract_id": token.contract_id,
        "issuer": token.issuer,
        "valid": token.valid,
        "whitelist": token.whitelist,
        "last_updated": ocpi_timestamp(token.last_updated or token.received_at),
    }
    for name in ("visual_number", "group_id", "language", "default_profile_type"):
        if getattr(token, name):
            data[name] = getattr(token, name)
    if token.energy_contract:
        data["energy_contract"] = token.energy_contract
    return data

"""The five command objects an eMSP POSTs to our Commands receiver (OCPI 2.2.1
commands §13.3), read strictly: a body we refuse names the field at fault, and
the partner gets status 2001 before anything is recorded or sent.
"""

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from billing.enums import CommandType
from billing.ocpi.addresses import (
    UnresolvedHost,
    UnsafePartnerUrl,
    partner_addresses,
    partner_url_check,
)
from billing.ocpi.fields import CI_STRING
from billing.ocpi.pagination import parse_datetime
from billing.ocpi.responses import OcpiError
from billing.ocpi.token_objects import InvalidToken, token_from_ocpi
from chargepoints.services.reservations import reservation_expiry_problem


class InvalidCommand(ValueError):
    """A command body we refuse (status 2001); the message names the field."""


# OcpiCommand.response_url holds this much.
_URL_MAX_LENGTH = 255


@dataclass(frozen=True)
class CommandBody:
    """One command object, validated. Fields a command does not have stay empty."""

    type: str
    response_url: str
    token: dict | None = None
    location_id: str = ""
    evse_uid: str = ""
    connector_id: str = ""
    authorization_reference: str = ""
    session_id: str = ""
    reservation_id: str = ""
    expiry_date: datetime.datetime | None = None


def _ci_string(body: dict, name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidCommand(f"{name} is required.")
        return ""
    if not isinstance(value, str) or not CI_STRING.fullmatch(value) or not value.strip():
        raise InvalidCommand(f"{name} must be a non-empty string of printable ASCII characters.")
    if len(value) > 36:
        raise InvalidCommand(f"{name} is longer than 36 characters.")
    return value


def _host_refusal(url: str) -> str | None:
    """Why we will not POST to ``url``'s host, if we know at once.

    The CommandResult goes to a URL the partner chose: unchecked, it could
    make us POST into our own network (addresses.py). A host that resolves
    to a private address is refused now; one that does not resolve at the
    moment is left to the delivery, which checks every connection again.
    """
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return "response_url has an invalid port."
    try:
        partner_addresses(parts.hostname, port)
    except (UnresolvedHost, UnicodeError):
        return None
    except UnsafePartnerUrl as refused:
        return f"response_url is refused: {refused}"
    return None


def _response_url(body: dict) -> str:
    url = body.get("response_url")
    if not isinstance(url, str) or not url:
        raise InvalidCommand("response_url is required and must be a URL.")
    if len(url) > _URL_MAX_LENGTH or not CI_STRING.fullmatch(url) or " " in url:
        raise InvalidCommand(f"response_url must be a URL of at most {_URL_MAX_LENGTH} characters.")
    try:
        partner_url_check(url)
    except UnsafePartnerUrl as refused:
        raise InvalidCommand(f"response_url: {refused}") from None
    if not urlsplit(url).hostname:
        raise InvalidCommand("response_url has no host.")
    if not settings.CSMS_OCPI_ALLOW_PRIVATE_URLS:
        refusal = _host_refusal(url)
        if refusal is not None:
            raise InvalidCommand(refusal)
    return url


def _token(body: dict) -> dict:
    token = body.get("token")
    if token is None:
        raise InvalidCommand("token is required.")
    try:
        return token_from_ocpi(token)
    except InvalidToken as error:
        raise InvalidCommand(f"token: {error}") from None


def _expiry_date(body: dict) -> datetime.datetime:
    value = body.get("expiry_date")
    if not isinstance(value, str):
        raise InvalidCommand("expiry_date is required and must be an OCPI DateTime.")
    try:
        expiry = parse_datetime(value, name="expiry_date")
    except OcpiError as error:
        raise InvalidCommand(error.message) from None
    problem = reservation_expiry_problem(expiry)
    if problem:
        raise InvalidCommand(f"expiry_date: {problem}")
    return expiry


def command_from_ocpi(command_type: str, body: Any) -> CommandBody:
    """Validate the body of a ``command_type`` command (commands §13.3); InvalidCommand if not."""
    if not isinstance(body, dict):
        raise InvalidCommand("The body must be a JSON object.")
    url = _response_url(body)
    if command_type == CommandType.START_SESSION:
        parsed = CommandBody(
            type=command_type,
            response_url=url,
            token=_token(body),
            location_id=_ci_string(body, "location_id"),
            evse_uid=_ci_string(body, "evse_uid", required=False),
            connector_id=_ci_string(body, "connector_id", required=False),
            authorization_reference=_ci_string(body, "authorization_reference", required=False),
        )
        # Commands §13.3.5 StartSession: evse_uid is "required when connector_id is set".
        if parsed.connector_id and not parsed.evse_uid:
            raise InvalidCommand("evse_uid is required when connector_id is set.")
        return parsed
    if command_type == CommandType.STOP_SESSION:
        return CommandBody(
            type=command_type, response_url=url, session_id=_ci_string(body, "session_id")
        )
    if command_type == CommandType.RESERVE_NOW:
        return CommandBody(
            type=command_type,
            response_url=url,
            token=_token(body),
            expiry_date=_expiry_date(body),
            reservation_id=_ci_string(body, "reservation_id"),
            location_id=_ci_string(body, "location_id"),
            evse_uid=_ci_string(body, "evse_uid", required=False),
            authorization_reference=_ci_string(body, "authorization_reference", required=False),
        )
    if command_type == CommandType.CANCEL_RESERVATION:
        return CommandBody(
            type=command_type,
            response_url=url,
            reservation_id=_ci_string(body, "reservation_id"),
        )
    if command_type == CommandType.UNLOCK_CONNECTOR:
        return CommandBody(
            type=command_type,
            response_url=url,
            location_id=_ci_string(body, "location_id"),
            evse_uid=_ci_string(body, "evse_uid"),
            connector_id=_ci_string(body, "connector_id"),
        )
    raise InvalidCommand(f"Unknown command {command_type!r}.")

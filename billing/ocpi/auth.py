"""Who is calling: the credentials token in the Authorization header.

OCPI 2.2.1 transport §4.1.2: ``Authorization: Token <base64 of the token>``.
OCPI 2.1.1 and many 2.2 clients send the token itself, so a value that does
not decode to a known token is tried as it stands.
"""

import base64
import binascii
import functools
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from billing.models import OcpiPartner
from billing.ocpi.responses import (
    SERVER_ERROR,
    OcpiError,
    error_response,
    method_not_allowed,
    ocpi_response,
    unauthorized,
)
from billing.ocpi.tokens import token_hash

logger = logging.getLogger(__name__)

# Credentials §7.3.1: at most 64 printable non-whitespace ASCII characters.
# Checked before the database sees a value (PostgreSQL refuses a NUL in text).
TOKEN = re.compile(r"[\x21-\x7e]{1,64}")


def _tokens_in(header: str) -> list[str]:
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    candidates = []
    try:
        # Strip: the spec's own example encodes a trailing newline, and no token
        # holds whitespace.
        decoded = base64.b64decode(value, validate=True).decode("ascii").strip()
    except (binascii.Error, UnicodeDecodeError):
        pass
    else:
        candidates.append(decoded)
    candidates.append(value)
    return [token for token in candidates if TOKEN.fullmatch(token)]


def partner_from_request(request: HttpRequest) -> tuple[OcpiPartner, str] | None:
    """The partner whose token C (registered) or token A (pending) the request
    carries, and that token. Found by the token's hash: we keep no token itself."""
    for token in _tokens_in(request.headers.get("Authorization", "")):
        hashed = token_hash(token)
        partner = OcpiPartner.objects.filter(
            Q(status=OcpiPartner.Status.REGISTERED, token_c_hash=hashed)
            | Q(status=OcpiPartner.Status.PENDING, token_a_hash=hashed)
        ).first()
        if partner is not None:
            return partner, token
    return None


def _message_ids(request: HttpRequest) -> dict[str, str]:
    # OCPI 2.2.1 transport §4.2: the answer carries the request's ids.
    return {
        "X-Request-ID": request.headers.get("X-Request-ID") or str(uuid.uuid4()),
        "X-Correlation-ID": request.headers.get("X-Correlation-ID") or str(uuid.uuid4()),
    }


def _routing_headers(partner: OcpiPartner) -> dict[str, str]:
    # OCPI 2.2.1 transport §4.1.8: functional modules name both parties.
    headers = {
        "OCPI-from-country-code": settings.CSMS_OCPI_COUNTRY_CODE,
        "OCPI-from-party-id": settings.CSMS_OCPI_PARTY_ID,
    }
    if partner.country_code and partner.party_id:
        headers["OCPI-to-country-code"] = partner.country_code
        headers["OCPI-to-party-id"] = partner.party_id
    return headers


def ocpi_endpoint(
    *, methods: tuple[str, ...] = ("GET",), registration: bool = False, module: bool = False
) -> Callable:
    """Make a view an OCPI endpoint: token check, the envelope on errors, message ids.

    ``registration`` endpoints (versions, version details, credentials) also
    admit a pending partner's token A; every other module wants token C
    (OCPI 2.2.1 transport §4.1.2: token A elsewhere is 401). The view finds
    the caller in ``request.ocpi_partner`` and the token it presented in
    ``request.ocpi_token``. Token auth and no cookies, so no CSRF.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            partner = None
            try:
                caller = partner_from_request(request)
                if caller is None:
                    raise unauthorized("Missing or unknown credentials token.")
                partner, request.ocpi_token = caller
                if partner.status != OcpiPartner.Status.REGISTERED and not registration:
                    raise unauthorized("Registration token: register through credentials first.")
                if request.method not in methods:
                    raise method_not_allowed(f"{request.method} is not supported here.")
                request.ocpi_partner = partner
                response = view(request, *args, **kwargs)
            except OcpiError as error:
                response = error_response(error)
            except Exception:
                # A partner's client reads the envelope, not Django's HTML page.
                logger.exception("OCPI %s %s failed", request.method, request.path)
                response = ocpi_response(
                    status_code=SERVER_ERROR, message="Internal error.", http_status=500
                )
            for header, value in _message_ids(request).items():
                response[header] = value
            if module and partner is not None and response.status_code != 401:
                for header, value in _routing_headers(partner).items():
                    response[header] = value
            if response.status_code == 401:
                response["WWW-Authenticate"] = "Token"
            return response

        return wrapper

    return decorate

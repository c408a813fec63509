"""The Tokens receiver interface (OCPI 2.2.1 tokens §12.2.1, CPO role).

{tokens_url}/{country_code}/{party_id}/{token_uid}[?type=]: an eMSP reads (GET),
creates or replaces (PUT) and changes (PATCH) its own tokens, and only those of
the parties it registered as (its CredentialsRoles).
"""

from typing import Any

from django.http import HttpRequest, JsonResponse

from billing.enums import TokenType
from billing.models import PartnerToken
from billing.ocpi.auth import ocpi_endpoint
from billing.ocpi.fields import OCPI_ID
from billing.ocpi.responses import invalid_parameters, not_found, ocpi_response, request_json
from billing.ocpi.token_objects import token_ocpi
from billing.ocpi.token_selectors import partner_parties, partner_token_find
from billing.services.partner_tokens import InvalidToken, partner_token_upsert, token_from_ocpi

# Status codes §5.2.
UNKNOWN_TOKEN = 2004


def _token_type(request: HttpRequest) -> str:
    # tokens §12.2.1.1: ?type=, RFID when omitted.
    token_type = request.GET.get("type", TokenType.RFID)
    if token_type not in TokenType.values:
        raise invalid_parameters(f"type must be one of {', '.join(TokenType.values)}.")
    return token_type


def _check_url(request: HttpRequest, country_code: str, party_id: str, token_uid: str) -> None:
    if len(country_code) != 2 or len(party_id) != 3 or not OCPI_ID.fullmatch(token_uid):
        raise invalid_parameters(
            "The URL must name country_code (2), party_id (3) and token_uid (at most 36"
            " printable ASCII characters)."
        )
    # Transport §4.1.6.1 (client owned objects, errors): another party's object
    # is answered 404, which tells the caller nothing about it.
    if (country_code.upper(), party_id.upper()) not in partner_parties(
        partner=request.ocpi_partner
    ):
        raise not_found(f"{country_code}/{party_id} is not a party you registered as.")


def _patched(stored: PartnerToken, body: Any) -> dict:
    # tokens §12.2.1.3: only the fields to change, and always last_updated.
    if not isinstance(body, dict):
        raise InvalidToken("The body must be a JSON object.")
    if "last_updated" not in body:
        raise InvalidToken("last_updated is required in a PATCH.")
    return {**token_ocpi(stored), **body}


@ocpi_endpoint(methods=("GET", "PUT", "PATCH"), module=True)
def token_detail(
    request: HttpRequest, country_code: str, party_id: str, token_uid: str
) -> JsonResponse:
    _check_url(request, country_code, party_id, token_uid)
    token_type = _token_type(request)
    partner = request.ocpi_partner
    stored = partner_token_find(
        partner=partner,
        country_code=country_code,
        party_id=party_id,
        uid=token_uid,
        type=token_type,
    )
    if request.method == "GET":
        if stored is None:
            raise not_found("Unknown Token.", status_code=UNKNOWN_TOKEN)
        return ocpi_response(token_ocpi(stored))
    body = request_json(request)
    if request.method == "PATCH" and stored is None:
        # Transport §4.1.3: the eMSP PUTs a token we do not have.
        raise not_found("Unknown Token: PUT it first.", status_code=UNKNOWN_TOKEN)
    try:
        if request.method == "PATCH":
            body = _patched(stored, body)
        token = token_from_ocpi(body, country_code=country_code, party_id=party_id, uid=token_uid)
        if token["type"] != token_type:
            raise InvalidToken(f"type {token['type']} does not match the URL's {token_type}.")
        partner_token_upsert(partner=partner, token=token)
    except InvalidToken as error:
        raise invalid_parameters(str(error)) from None
    # Status codes §5: 201 when the object is new, 200 when it was updated.
    return ocpi_response(http_status=201 if stored is None else 200)

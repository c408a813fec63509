"""The credentials endpoint (OCPI 2.2.1 §7.2): register, read, update, unregister."""

from django.http import HttpRequest, JsonResponse

from billing.models import OcpiPartner
from billing.ocpi.auth import ocpi_endpoint
from billing.ocpi.credentials import (
    InvalidCredentials,
    PartnerCredentials,
    RegistrationConflict,
    RegistrationError,
    credentials_from_ocpi,
    ocpi_partner_register,
    ocpi_partner_unregister,
    ocpi_partner_update,
    our_credentials,
)
from billing.ocpi.responses import (
    CLIENT_API_UNUSABLE,
    UNSUPPORTED_VERSION,
    invalid_parameters,
    method_not_allowed,
    ocpi_response,
    request_json,
)
from billing.ocpi.views.versions import versions_url


def _credentials_in(request: HttpRequest) -> PartnerCredentials:
    body = request_json(request)
    try:
        return credentials_from_ocpi(body)
    except InvalidCredentials as error:
        raise invalid_parameters(str(error)) from None


def _unusable(error: RegistrationError) -> JsonResponse:
    # Credentials §7.1.5: we could not use their API (3001), or it offers no
    # 2.2.1 (3002). The request itself reached us fine, so HTTP 200 (§5).
    code = UNSUPPORTED_VERSION if error.unsupported_version else CLIENT_API_UNUSABLE
    return ocpi_response(status_code=code, message=str(error))


def _ours(request: HttpRequest, token_c: str) -> JsonResponse:
    return ocpi_response(our_credentials(token_c=token_c, versions_url=versions_url(request)))


@ocpi_endpoint(methods=("GET", "POST", "PUT", "DELETE"), registration=True)
def credentials(request: HttpRequest) -> JsonResponse:
    partner: OcpiPartner = request.ocpi_partner
    registered = partner.status == OcpiPartner.Status.REGISTERED
    # §7.2.2: POST by a registered partner is 405; §7.2.3/§7.2.4: PUT and
    # DELETE by one not registered yet are 405. Token A reads nothing either.
    if request.method == "POST" and registered:
        raise method_not_allowed("Already registered: PUT to update, DELETE to unregister.")
    if request.method != "POST" and not registered:
        raise method_not_allowed("Not registered yet: POST your credentials first.")
    # The token it called with: we keep only hashes, and a GET shows it back.
    token = request.ocpi_token
    try:
        if request.method == "POST":
            _, token = ocpi_partner_register(
                partner_id=partner.pk, token_a=token, credentials=_credentials_in(request)
            )
        elif request.method == "PUT":
            _, token = ocpi_partner_update(
                partner_id=partner.pk, token_c=token, credentials=_credentials_in(request)
            )
        elif request.method == "DELETE":
            ocpi_partner_unregister(partner_id=partner.pk)
            return ocpi_response()
    except RegistrationError as error:
        return _unusable(error)
    except RegistrationConflict as error:
        raise method_not_allowed(str(error)) from None
    return _ours(request, token)

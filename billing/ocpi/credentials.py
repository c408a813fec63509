"""Registration of a roaming partner through the OCPI 2.2.1 credentials module (§7).

The operator creates the partner with a token A and hands it out with our
versions URL. The partner POSTs its credentials (its token B, its versions
URL, its roles) with token A; we read its versions and version details with
token B, then issue token C, with which it calls us from then on. Token A is
spent. A PUT repeats the reading with new credentials and rotates token C; a
DELETE ends the registration. Tokens A and C are kept as hashes
(billing.ocpi.tokens): token C is shown in the answer that issues it, and
afterwards only the partner holds it.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from billing.models import OcpiPartner
from billing.ocpi.auth import TOKEN
from billing.ocpi.client import PartnerApiError, ocpi_get
from billing.ocpi.selectors import ocpi_parties
from billing.ocpi.tokens import token_hash, token_new

VERSION = "2.2.1"
# Types §16.6 Role.
ROLES = {"CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"}
COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")


class InvalidCredentials(ValueError):
    """The Credentials object sent to us is not one (status 2001)."""


class RegistrationError(Exception):
    """We could not use the partner's API; nothing was changed (status 3001 or 3002)."""

    def __init__(self, message: str, *, unsupported_version: bool = False):
        super().__init__(message)
        self.unsupported_version = unsupported_version


class RegistrationConflict(Exception):
    """The partner's registration state changed under us, or does not allow this (HTTP 405)."""


@dataclass(frozen=True)
class PartnerCredentials:
    token: str
    url: str
    roles: list[dict[str, Any]]


def _role(role: Any, index: int) -> dict[str, Any]:
    where = f"roles[{index}]"
    if not isinstance(role, dict):
        raise InvalidCredentials(f"{where} must be a CredentialsRole object.")
    if role.get("role") not in ROLES:
        raise InvalidCredentials(f"{where}.role must be one of {', '.join(sorted(ROLES))}.")
    # Credentials §7.4.1: CiString(3) party id, CiString(2) ISO 3166 alpha-2 country.
    party_id, country_code = role.get("party_id"), role.get("country_code")
    if not isinstance(party_id, str) or not TOKEN.fullmatch(party_id) or len(party_id) > 3:
        raise InvalidCredentials(f"{where}.party_id must be at most 3 characters.")
    if not isinstance(country_code, str) or not COUNTRY_CODE.fullmatch(country_code):
        raise InvalidCredentials(f"{where}.country_code must be 2 letters.")
    details = role.get("business_details")
    if not isinstance(details, dict) or not isinstance(details.get("name"), str):
        raise InvalidCredentials(f"{where}.business_details.name is required.")
    return role


def credentials_from_ocpi(body: Any) -> PartnerCredentials:
    """Read a Credentials object (credentials §7.3.1)."""
    if not isinstance(body, dict):
        raise InvalidCredentials("The body must be a Credentials object.")
    token, url, roles = body.get("token"), body.get("url"), body.get("roles")
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise InvalidCredentials("token must be 1 to 64 printable non-whitespace ASCII characters.")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 255:
        raise InvalidCredentials("url must be the URL of your versions endpoint.")
    if not isinstance(roles, list) or not roles:
        raise InvalidCredentials("roles must list at least one CredentialsRole.")
    return PartnerCredentials(
        token=token, url=url, roles=[_role(role, i) for i, role in enumerate(roles)]
    )


def _endpoints_of(details: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(details, dict) or details.get("version") != VERSION:
        raise RegistrationError(f"{url} does not describe version {VERSION}.")
    endpoints = details.get("endpoints")
    if not isinstance(endpoints, list) or not all(
        isinstance(e, dict) and {"identifier", "url"} <= e.keys() for e in endpoints
    ):
        raise RegistrationError(f"{url} lists no endpoints we understand.")
    return endpoints


def partner_endpoints_fetch(*, versions_url: str, token: str) -> list[dict[str, Any]]:
    """The partner's 2.2.1 endpoints, read from its versions URL with its token B.

    Version information §6.1, §6.2.
    """
    try:
        versions = ocpi_get(versions_url, token=token)
        if not isinstance(versions, list):
            raise RegistrationError(f"{versions_url} did not list versions.")
        matching = [v for v in versions if isinstance(v, dict) and v.get("version") == VERSION]
        if not matching or not isinstance(matching[0].get("url"), str):
            # Status codes §5.3: 3002 Unsupported version.
            raise RegistrationError(
                f"{versions_url} offers no OCPI {VERSION}.", unsupported_version=True
            )
        details_url = matching[0]["url"]
        return _endpoints_of(ocpi_get(details_url, token=token), details_url)
    except PartnerApiError as error:
        raise RegistrationError(str(error)) from None


def _identity(roles: list[dict[str, Any]]) -> tuple[str, str]:
    # The party that calls us is the eMSP, if the platform has several roles.
    chosen = next((role for role in roles if role["role"] == "EMSP"), roles[0])
    return chosen["country_code"].upper(), chosen["party_id"].upper()


def _store(partner: OcpiPartner, credentials: PartnerCredentials, endpoints: list) -> str:
    """Keep what the partner told us and issue a new token C, which is returned."""
    # Token B as given: we present it whenever we call the partner.
    partner.token_b = credentials.token
    partner.versions_url = credentials.url
    partner.roles = credentials.roles
    partner.country_code, partner.party_id = _identity(credentials.roles)
    partner.version = VERSION
    partner.endpoints = endpoints
    token_c = token_new()
    partner.token_c_hash = token_hash(token_c)
    return token_c


def ocpi_partner_register(
    *, partner_id: int, token_a: str, credentials: PartnerCredentials
) -> tuple[OcpiPartner, str]:
    """Credentials §7.2.2 POST: register a pending partner that called with ``token_a``.

    Returns the partner and its new token C. The partner's API is read before
    anything is written, and outside the database transaction: on failure
    nothing changes and token A still works.
    """
    endpoints = partner_endpoints_fetch(versions_url=credentials.url, token=credentials.token)
    with transaction.atomic():
        partner = OcpiPartner.objects.select_for_update().get(pk=partner_id)
        # Two POSTs with the same token A: only the first registers.
        if partner.status != OcpiPartner.Status.PENDING or partner.token_a_hash != token_hash(
            token_a
        ):
            raise RegistrationConflict("This partner is already registered.")
        token_c = _store(partner, credentials, endpoints)
        partner.token_a_hash = ""
        partner.status = OcpiPartner.Status.REGISTERED
        partner.save()
    return partner, token_c


def ocpi_partner_update(
    *, partner_id: int, token_c: str, credentials: PartnerCredentials
) -> tuple[OcpiPartner, str]:
    """Credentials §7.2.3 PUT: new credentials and endpoints, and a new token C (returned)."""
    endpoints = partner_endpoints_fetch(versions_url=credentials.url, token=credentials.token)
    with transaction.atomic():
        partner = OcpiPartner.objects.select_for_update().get(pk=partner_id)
        if partner.status != OcpiPartner.Status.REGISTERED or partner.token_c_hash != token_hash(
            token_c
        ):
            raise RegistrationConflict("This partner is not registered with this token.")
        new_token_c = _store(partner, credentials, endpoints)
        partner.save()
    return partner, new_token_c


@transaction.atomic
def ocpi_partner_unregister(*, partner_id: int) -> OcpiPartner:
    """Credentials §7.2.4 DELETE: forget the tokens; the partner waits for a new token A.

    The row stays, with its name and roles, for the operator.
    """
    partner = OcpiPartner.objects.select_for_update().get(pk=partner_id)
    if partner.status != OcpiPartner.Status.REGISTERED:
        raise RegistrationConflict("This partner is not registered.")
    partner.status = OcpiPartner.Status.PENDING
    partner.token_a_hash = partner.token_b = partner.token_c_hash = ""
    partner.version = ""
    partner.endpoints = []
    partner.save()
    return partner


def our_credentials(*, token_c: str, versions_url: str) -> dict[str, Any]:
    """Our Credentials object for a registered partner (credentials §7.3.1): its token C,
    our versions URL, and a CPO role per party we operate.

    ``token_c`` is the one just issued, or the one the partner called with: we
    keep only its hash.
    """
    business = {"name": settings.CSMS_OCPI_BUSINESS_NAME[:100]}
    return {
        "token": token_c,
        "url": versions_url,
        "roles": [
            {
                "role": "CPO",
                "business_details": business,
                "party_id": party_id,
                "country_code": country_code,
            }
            for country_code, party_id in ocpi_parties()
        ],
    }

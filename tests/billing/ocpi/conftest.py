import base64

import pytest
from django.test import Client

from accounts.models import IdTag
from billing.models import OcpiPartner, PartnerToken
from billing.ocpi.tokens import token_hash

TOKEN_A = "registration-token-a"
TOKEN_C = "partner-token-c-0123456789"
OTHER_TOKEN_C = "other-partner-token-c-9876"


def encoded(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


class Partner:
    """A roaming partner's HTTP client, sending its token as OCPI 2.2.1 says."""

    def __init__(self, token: str | None, *, raw: bool = False):
        self.client = Client()
        self.headers = {}
        if token is not None:
            self.headers["Authorization"] = f"Token {token}" if raw else encoded(token)

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(path, params or {}, headers={**self.headers, **headers})

    def send(self, method: str, path: str, body=None, **headers):
        call = getattr(self.client, method.lower())
        return call(
            path,
            body,
            content_type="application/json",
            headers={**self.headers, **headers},
        )


def registered_partner(
    name: str, country_code: str, party_id: str, tokens: tuple[str, str], host: str
) -> OcpiPartner:
    """A partner past the credentials handshake: ``tokens`` are its B (ours to
    call it with) and C (its to call us with)."""
    token_b, token_c = tokens
    return OcpiPartner.objects.create(
        name=name,
        country_code=country_code,
        party_id=party_id,
        status=OcpiPartner.Status.REGISTERED,
        token_b=token_b,
        token_c_hash=token_hash(token_c),
        versions_url=f"https://{host}/ocpi/versions",
        version="2.2.1",
    )


@pytest.fixture
def registered(db) -> OcpiPartner:
    return registered_partner(
        "Roaming eMSP", "NL", "EMS", ("their-token-b", TOKEN_C), "emsp.example.com"
    )


@pytest.fixture
def pending(db) -> OcpiPartner:
    return OcpiPartner.objects.create(name="New eMSP", token_a_hash=token_hash(TOKEN_A))


@pytest.fixture
def emsp(registered) -> Partner:
    return Partner(TOKEN_C)


@pytest.fixture
def other(db) -> OcpiPartner:
    """A second registered partner: it must never see the first one's data."""
    return registered_partner(
        "Other eMSP", "BE", "OTH", ("other-token-b", OTHER_TOKEN_C), "other.example.com"
    )


@pytest.fixture
def other_emsp(other) -> Partner:
    return Partner(OTHER_TOKEN_C)


def issued_tag(partner: OcpiPartner | None, uid: str) -> IdTag:
    """A driver's tag, issued by ``partner``, or by us when it is None."""
    tag = IdTag.objects.create(idToken=uid)
    if partner is not None:
        PartnerToken.objects.create(id_tag=tag, partner=partner)
    return tag


def envelope(response, *, status: int = 200, code: int = 1000):
    """The body of an OCPI answer, after checking the envelope every answer has."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status_code"] == code, body
    assert isinstance(body["status_message"], str)
    assert body["timestamp"].endswith("Z") and len(body["timestamp"]) == 20
    return body


@pytest.fixture
def online(chargepoint, connector):
    """CP-TEST-1 at the test location, connected over 1.6, its connector 1 available."""
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.connected = True
    chargepoint.connection_id = "conn-1"
    chargepoint.status = "Available"
    chargepoint.save()
    connector.status = "Available"
    connector.save()
    return chargepoint

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


@pytest.fixture
def registered(db) -> OcpiPartner:
    return OcpiPartner.objects.create(
        name="Roaming eMSP",
        country_code="NL",
        party_id="EMS",
        status=OcpiPartner.Status.REGISTERED,
        token_b="their-token-b",
        token_c_hash=token_hash(TOKEN_C),
        versions_url="https://emsp.example.com/ocpi/versions",
        version="2.2.1",
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
    return OcpiPartner.objects.create(
        name="Other eMSP",
        country_code="BE",
        party_id="OTH",
        status=OcpiPartner.Status.REGISTERED,
        token_b="other-token-b",
        token_c_hash=token_hash(OTHER_TOKEN_C),
        versions_url="https://other.example.com/ocpi/versions",
        version="2.2.1",
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

"""Registration through the credentials module, against a partner API on 127.0.0.1.

Plain http:// to 127.0.0.1 is refused in production (billing.ocpi.addresses;
tests/security/test_ocpi_partners.py): these tests allow it as a developer's
machine would, with DEBUG and CSMS_OCPI_ALLOW_PRIVATE_URLS.
"""

import base64

import pytest

from billing.models import OcpiPartner
from billing.ocpi.tokens import token_hash
from tests.billing.ocpi.conftest import TOKEN_A, TOKEN_C, Partner, envelope
from tests.billing.ocpi.partner_server import PartnerApi
from tests.server import refused_port
from tests.waiting import DEADLINE

URL = "/ocpi/2.2.1/credentials"
TOKEN_B = "their-fresh-token-b"


def credentials(versions_url: str, token: str = TOKEN_B) -> dict:
    return {
        "token": token,
        "url": versions_url,
        "roles": [
            {
                "role": "EMSP",
                "party_id": "exa",
                "country_code": "nl",
                "business_details": {"name": "Example Provider"},
            }
        ],
    }


@pytest.fixture
def local_urls(settings):
    settings.DEBUG = True
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def partner_api(monkeypatch, local_urls):
    # Their API runs in this process; a busy machine must not make it "unreachable".
    monkeypatch.setattr("billing.ocpi.client.TIMEOUT_SECONDS", DEADLINE)
    with PartnerApi(TOKEN_B) as api:
        yield api


def test_registration_reads_their_api_with_token_b_and_answers_token_c(pending, partner_api):
    response = Partner(TOKEN_A).send("POST", URL, credentials(partner_api.versions_url))

    data = envelope(response)["data"]
    pending.refresh_from_db()
    assert pending.status == OcpiPartner.Status.REGISTERED
    # Token C is in the answer, and only its hash with us.
    assert pending.token_c_hash == token_hash(data["token"])
    assert 1 <= len(data["token"]) <= 64 and data["token"].isascii()
    assert data["url"] == "http://testserver/ocpi/versions"
    assert data["roles"] == [
        {
            "role": "CPO",
            "business_details": {"name": "CSMS"},
            "party_id": "CSM",
            "country_code": "DE",
        }
    ]
    # What we stored about them.
    assert pending.token_a_hash == ""
    assert pending.token_b == TOKEN_B
    assert pending.versions_url == partner_api.versions_url
    assert pending.version == "2.2.1"
    assert [e["identifier"] for e in pending.endpoints] == ["credentials", "tokens", "cdrs"]
    assert (pending.country_code, pending.party_id) == ("NL", "EXA")
    assert pending.roles[0]["business_details"] == {"name": "Example Provider"}
    # What they saw of us: both GETs, with token B in Base64 and message ids.
    expected = "Token " + base64.b64encode(TOKEN_B.encode()).decode()
    assert [path for path, _ in partner_api.requests] == ["/ocpi/versions", "/ocpi/2.2.1"]
    for _, headers in partner_api.requests:
        assert headers["authorization"] == expected
        assert headers["x-request-id"] and headers["x-correlation-id"]


def test_after_registration_token_c_opens_the_modules_and_token_a_nothing(pending, partner_api):
    data = envelope(Partner(TOKEN_A).send("POST", URL, credentials(partner_api.versions_url)))[
        "data"
    ]

    envelope(Partner(data["token"]).get("/ocpi/2.2.1/locations"))
    envelope(Partner(TOKEN_A).get("/ocpi/versions"), status=401, code=2001)


def test_a_second_post_is_405(registered, partner_api):
    response = Partner(TOKEN_C).send("POST", URL, credentials(partner_api.versions_url))

    envelope(response, status=405, code=2000)
    assert partner_api.requests == []


def test_an_unreachable_versions_url_is_3001_and_changes_nothing(pending, local_urls):
    before = OcpiPartner.objects.values().get(pk=pending.pk)

    with refused_port() as port:
        response = Partner(TOKEN_A).send(
            "POST", URL, credentials(f"http://127.0.0.1:{port}/ocpi/versions")
        )

    body = envelope(response, code=3001)
    assert "data" not in body
    assert OcpiPartner.objects.values().get(pk=pending.pk) == before
    envelope(Partner(TOKEN_A).get("/ocpi/versions"))  # token A still works


def test_an_api_that_refuses_token_b_is_3001(pending, partner_api):
    response = Partner(TOKEN_A).send(
        "POST", URL, credentials(partner_api.versions_url, token="another-token")
    )

    envelope(response, code=3001)
    pending.refresh_from_db()
    assert pending.status == OcpiPartner.Status.PENDING


def test_an_api_that_does_not_speak_ocpi_is_3001(pending, partner_api):
    partner_api.broken = True

    envelope(Partner(TOKEN_A).send("POST", URL, credentials(partner_api.versions_url)), code=3001)


def test_an_api_without_2_2_1_is_3002(pending, partner_api):
    partner_api.versions = [{"version": "2.1.1", "url": f"{partner_api.base}/ocpi/2.1.1"}]

    response = Partner(TOKEN_A).send("POST", URL, credentials(partner_api.versions_url))

    envelope(response, code=3002)
    pending.refresh_from_db()
    assert pending.status == OcpiPartner.Status.PENDING


@pytest.mark.parametrize(
    "change",
    [
        {"token": ""},
        {"token": "has space"},
        {"token": "x" * 65},
        {"token": None},
        {"url": "ftp://example.com/versions"},
        {"roles": []},
        {"roles": [{"role": "KING", "party_id": "EXA", "country_code": "NL"}]},
        {"roles": [{"role": "EMSP", "party_id": "TOOLONG", "country_code": "NL"}]},
        {
            "roles": [
                {
                    "role": "EMSP",
                    "party_id": "EXA",
                    "country_code": "NLD",
                    "business_details": {"name": "x"},
                }
            ]
        },
        {"roles": [{"role": "EMSP", "party_id": "EXA", "country_code": "NL"}]},
    ],
)
def test_invalid_credentials_are_400_2001(pending, partner_api, change):
    body = {**credentials(partner_api.versions_url), **change}

    envelope(Partner(TOKEN_A).send("POST", URL, body), status=400, code=2001)
    assert partner_api.requests == []


@pytest.mark.parametrize(
    "body", ["{not json", "[" * 100_000 + "]" * 100_000], ids=["not-json", "nested"]
)
def test_a_body_that_is_not_json_is_400(pending, body):
    # Nested too deeply to decode (issue 15, finding 6) is no JSON either.
    response = Partner(TOKEN_A).send("POST", URL, body)

    envelope(response, status=400, code=2001)


def test_get_answers_our_credentials_to_a_registered_partner(emsp):
    data = envelope(emsp.get(URL))["data"]

    assert data["token"] == TOKEN_C
    assert data["url"] == "http://testserver/ocpi/versions"
    assert {(r["role"], r["country_code"], r["party_id"]) for r in data["roles"]} == {
        ("CPO", "DE", "CSM")
    }


def test_our_roles_include_every_party_our_locations_run_under(emsp, location):
    location.country_code, location.party_id = "th", "bkk"
    location.save()

    roles = envelope(emsp.get(URL))["data"]["roles"]

    assert [(r["country_code"], r["party_id"]) for r in roles] == [("DE", "CSM"), ("TH", "BKK")]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_token_a_may_only_post(pending, partner_api, method):
    response = Partner(TOKEN_A).send(method, URL, credentials(partner_api.versions_url))

    envelope(response, status=405, code=2000)


def test_put_rotates_token_c_and_stores_the_new_token_b(registered, partner_api):
    response = Partner(TOKEN_C).send("PUT", URL, credentials(partner_api.versions_url))

    new_token = envelope(response)["data"]["token"]
    registered.refresh_from_db()
    assert new_token != TOKEN_C
    assert registered.token_c_hash == token_hash(new_token)
    assert registered.token_b == TOKEN_B
    assert registered.versions_url == partner_api.versions_url
    envelope(Partner(TOKEN_C).get("/ocpi/2.2.1/cdrs"), status=401, code=2001)
    envelope(Partner(new_token).get("/ocpi/2.2.1/cdrs"))


def test_a_put_that_cannot_reach_them_keeps_the_old_token(registered, partner_api):
    partner_api.broken = True

    envelope(Partner(TOKEN_C).send("PUT", URL, credentials(partner_api.versions_url)), code=3001)

    registered.refresh_from_db()
    assert registered.token_c_hash == token_hash(TOKEN_C)
    assert registered.token_b == "their-token-b"


def test_delete_unregisters(registered, emsp):
    body = envelope(emsp.send("DELETE", URL))

    assert "data" not in body
    registered.refresh_from_db()
    assert registered.status == OcpiPartner.Status.PENDING
    assert (registered.token_a_hash, registered.token_b, registered.token_c_hash) == ("", "", "")
    assert registered.endpoints == []
    assert registered.name == "Roaming eMSP"
    envelope(emsp.get("/ocpi/versions"), status=401, code=2001)


def test_credentials_need_no_csrf_token(pending, partner_api):
    client = Partner(TOKEN_A)
    client.client = client.client.__class__(enforce_csrf_checks=True)

    envelope(client.send("POST", URL, credentials(partner_api.versions_url)))

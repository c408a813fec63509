"""Versions, version details and the credentials token in the Authorization header."""

import base64

import pytest

from billing.models import OcpiPartner
from billing.ocpi.tokens import token_hash
from tests.billing.ocpi.conftest import TOKEN_A, TOKEN_C, Partner, envelope

BASE = "http://testserver/ocpi"


def test_versions_list_2_2_1_with_an_absolute_url(emsp):
    body = envelope(emsp.get("/ocpi/versions"))

    assert body["data"] == [{"version": "2.2.1", "url": f"{BASE}/2.2.1"}]


def test_version_details_name_our_sender_endpoints(emsp):
    body = envelope(emsp.get("/ocpi/2.2.1"))

    assert body["data"] == {
        "version": "2.2.1",
        "endpoints": [
            {"identifier": "credentials", "role": "SENDER", "url": f"{BASE}/2.2.1/credentials"},
            {"identifier": "locations", "role": "SENDER", "url": f"{BASE}/2.2.1/locations"},
            {"identifier": "sessions", "role": "SENDER", "url": f"{BASE}/2.2.1/sessions"},
            {"identifier": "cdrs", "role": "SENDER", "url": f"{BASE}/2.2.1/cdrs"},
            {"identifier": "tariffs", "role": "SENDER", "url": f"{BASE}/2.2.1/tariffs"},
            {"identifier": "commands", "role": "RECEIVER", "url": f"{BASE}/2.2.1/commands/"},
            {"identifier": "tokens", "role": "RECEIVER", "url": f"{BASE}/2.2.1/tokens"},
        ],
    }


def test_urls_follow_the_host_the_partner_called(emsp, settings):
    settings.ALLOWED_HOSTS = ["ocpi.example.com"]

    body = envelope(emsp.get("/ocpi/versions", HOST="ocpi.example.com"))

    assert body["data"][0]["url"] == "http://ocpi.example.com/ocpi/2.2.1"


def test_it_accepts_a_token_sent_without_base64_as_ocpi_2_1_1_clients_do(registered):
    response = Partner(TOKEN_C, raw=True).get("/ocpi/2.2.1/tariffs")

    envelope(response)


def test_it_tolerates_the_trailing_newline_of_the_spec_example(registered):
    # Transport §4.1.2 encodes "example-token\n" in its example header.
    header = "Token " + base64.b64encode(f"{TOKEN_C}\n".encode()).decode()

    envelope(Partner(None).get("/ocpi/2.2.1/tariffs", Authorization=header))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Token",
        "Token ",
        "Bearer " + TOKEN_C,
        "Token unknown-token",
        "Token dW5rbm93bi10b2tlbg==",  # base64 of "unknown-token"
        "Token " + "x" * 65,
        "Token bad\x00token",
    ],
)
def test_a_missing_or_unknown_token_is_401_with_an_ocpi_body(registered, header):
    partner = Partner(None)
    headers = {} if header is None else {"Authorization": header}

    response = partner.get("/ocpi/2.2.1/locations", **headers)

    body = envelope(response, status=401, code=2001)
    assert "data" not in body
    assert response["WWW-Authenticate"] == "Token"


def test_token_a_reads_versions_and_details_but_no_module(pending):
    partner = Partner(TOKEN_A)

    envelope(partner.get("/ocpi/versions"))
    envelope(partner.get("/ocpi/2.2.1"))
    for module in ("locations", "sessions", "cdrs", "tariffs"):
        envelope(partner.get(f"/ocpi/2.2.1/{module}"), status=401, code=2001)


def test_token_c_of_a_suspended_partner_opens_nothing(registered):
    registered.status = OcpiPartner.Status.SUSPENDED
    registered.save()

    envelope(Partner(TOKEN_C).get("/ocpi/versions"), status=401, code=2001)
    envelope(Partner(TOKEN_C).get("/ocpi/2.2.1/cdrs"), status=401, code=2001)


def test_token_a_of_a_registered_partner_is_spent(registered):
    # Token A and token C are different columns: token C never works as token A.
    registered.token_a_hash = token_hash("left-over")
    registered.save()

    envelope(Partner("left-over").get("/ocpi/versions"), status=401, code=2001)


def test_answers_carry_the_request_and_correlation_ids(emsp):
    response = emsp.get("/ocpi/versions", **{"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"})

    assert response["X-Request-ID"] == "req-1"
    assert response["X-Correlation-ID"] == "corr-1"
    assert emsp.get("/ocpi/versions")["X-Request-ID"]


def test_module_answers_name_both_parties(emsp):
    response = emsp.get("/ocpi/2.2.1/tariffs")

    assert response["OCPI-from-country-code"] == "DE"
    assert response["OCPI-from-party-id"] == "CSM"
    assert response["OCPI-to-country-code"] == "NL"
    assert response["OCPI-to-party-id"] == "EMS"


@pytest.mark.parametrize(
    "path", ["/ocpi/", "/ocpi/2.2", "/ocpi/2.2.1/tokens", "/ocpi/2.2.1/locations/a/b/c/d"]
)
def test_unknown_paths_are_an_ocpi_404(emsp, path):
    body = envelope(emsp.get(path), status=404, code=2000)

    assert "data" not in body


def test_a_module_refuses_other_methods_with_an_ocpi_405(emsp):
    envelope(emsp.send("POST", "/ocpi/2.2.1/locations", {}), status=405, code=2000)
    envelope(emsp.send("PUT", "/ocpi/2.2.1/cdrs", {}), status=405, code=2000)


def test_a_trailing_slash_reaches_the_same_endpoint(emsp):
    assert envelope(emsp.get("/ocpi/versions/"))["data"][0]["version"] == "2.2.1"
    envelope(emsp.get("/ocpi/2.2.1/tariffs/"))


def test_an_internal_error_is_still_an_ocpi_answer(emsp, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("billing.ocpi.views.modules.ocpi_tariffs", broken)

    body = envelope(emsp.get("/ocpi/2.2.1/tariffs"), status=500, code=3000)

    assert body["status_message"] == "Internal error."
    assert "database on fire" in caplog.text

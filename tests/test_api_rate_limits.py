"""Per-user rate limits and the RateLimit fields on API answers (issue 18, finding 9).

Logged-in callers are counted per account, not per address: phones behind a
carrier's NAT share one. Fields as draft-ietf-httpapi-ratelimit-headers
(revision 10 on): RateLimit-Policy and RateLimit.
"""

import json
import urllib.request

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.services import user_create
from tests.rights import OPERATORS, user_in_group
from tests.server import database_copy, project_env, running_server
from tests.tokens import app, token_for

ME = "/api/v1/me/"
LOCATIONS = "/api/v1/locations/"
LOGIN = "/api/v1/auth/login/"
CARRIER_NAT = "100.64.0.1"  # RFC 6598 shared address space, as carriers use


@pytest.fixture
def rates(monkeypatch):
    """Small rates, and every request at the same instant (counts never age out mid-test)."""
    rates = {
        "anon": "4/min",
        "login": "10/min",
        "user": "3/min",
        "operator": "5/min",
        "password_reset": "5/hour",
    }
    # DRF's throttles copy the rates when they are imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_800_000_000.0)
    return rates


def from_address(token: str | None, address: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_user_over_the_limit_is_refused_while_another_on_the_same_address_is_not(rates, driver):
    other = user_create(username="other", password="x", phone_number="+66811112222")
    mine, theirs = token_for(driver), token_for(other)
    for _ in range(3):
        assert from_address(mine, CARRIER_NAT).get(ME).status_code == 200

    refused = from_address(mine, CARRIER_NAT).get(ME)

    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "throttled"
    assert refused["Retry-After"] == "60"
    assert refused["RateLimit"] == '"user";r=0;t=60'
    assert from_address(theirs, CARRIER_NAT).get(ME).status_code == 200


def test_a_users_count_follows_the_account_across_addresses(rates, driver):
    token = token_for(driver)
    statuses = [from_address(token, f"100.64.0.{i}").get(ME).status_code for i in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_the_fields_count_down_with_each_request(rates, driver):
    client = app(token_for(driver))

    answers = [client.get(ME) for _ in range(3)]

    assert [a["RateLimit"] for a in answers] == [
        '"user";r=2;t=60',
        '"user";r=1;t=60',
        '"user";r=0;t=60',
    ]
    assert {a["RateLimit-Policy"] for a in answers} == {'"user";q=3;w=60'}


def test_operators_are_counted_at_their_own_rate(rates, db):
    operator = user_in_group(OPERATORS, username="op", password="operator password 42")
    client = app(token_for(operator))

    answers = [client.get(ME) for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[0]["RateLimit-Policy"] == '"operator";q=5;w=60'
    assert answers[0]["RateLimit"] == '"operator";r=4;t=60'


def test_anonymous_callers_are_counted_per_address(rates, db):
    first = [from_address(None, "192.0.2.1").get(LOCATIONS) for _ in range(5)]
    elsewhere = from_address(None, "192.0.2.2").get(LOCATIONS)

    assert [a.status_code for a in first] == [200] * 4 + [429]
    assert first[0]["RateLimit"] == '"anon";r=3;t=60'
    assert elsewhere.status_code == 200
    assert elsewhere["RateLimit"] == '"anon";r=3;t=60'


def test_the_tightest_policy_is_the_one_counted_down(rates, driver):
    answer = APIClient().post(LOGIN, {"username": "driver", "password": "wrong"})

    assert answer["RateLimit-Policy"] == '"anon";q=4;w=60, "login";q=10;w=60'
    assert answer["RateLimit"] == '"anon";r=3;t=60'


def test_an_answer_refused_before_the_throttles_carries_no_fields(rates, db):
    # DRF throttles after authentication: no token, no count.
    answer = APIClient().get(ME)

    assert answer.status_code == 401
    assert "RateLimit" not in answer


# -- a real server (ASGI: the middleware's async path) ---------------------------------


@pytest.mark.e2e
def test_a_real_server_sends_the_fields(tmp_path, demo_database_template):
    database = database_copy(demo_database_template, tmp_path)
    env = project_env(SQLITE_PATH=str(database), CSMS_THROTTLE_ANON="7/min")
    with (
        running_server(env) as base_url,
        urllib.request.urlopen(f"{base_url}/api/v1/locations/") as answer,
    ):
        headers = answer.headers
        json.load(answer)

    assert headers["RateLimit-Policy"] == '"anon";q=7;w=60'
    assert headers["RateLimit"] == '"anon";r=6;t=60'

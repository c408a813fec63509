"""Pages an integration can walk: cursors that do not shift, sizes never capped in silence."""

import base64
import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from chargepoints.models import Transaction
from csms.api.pagination import MAX_PAGE_SIZE
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

TRANSACTIONS = "/api/v1/transactions/"


@pytest.fixture
def operator_api(db) -> APIClient:
    client = APIClient()
    operator = user_in_group(OPERATORS, username="ops", password="ops password 42")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    return client


def started(chargepoint, connector, minutes_ago: int) -> Transaction:
    return Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        start_transaction_timestamp=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        wh_meter_start=0,
    )


def ids(body) -> list[int]:
    return [row["transaction_id"] for row in body["results"]]


def test_a_cursor_page_does_not_shift_when_rows_arrive(operator_api, chargepoint, connector):
    oldest, middle, newest = (started(chargepoint, connector, m) for m in (30, 20, 10))
    first = operator_api.get(TRANSACTIONS, {"page_size": 2}).json()
    assert ids(first) == [newest.pk, middle.pk]
    assert set(first) == {"next", "previous", "results"}

    started(chargepoint, connector, 0)  # arrives while the app reads page 1
    second = operator_api.get(first["next"]).json()

    assert ids(second) == [oldest.pk]
    assert second["next"] is None
    back = operator_api.get(second["previous"]).json()
    assert ids(back) == [newest.pk, middle.pk]


def test_equal_start_times_are_each_shown_once(operator_api, chargepoint, connector):
    at = timezone.now()
    rows = [
        Transaction.objects.create(
            chargepoint=chargepoint, connector=connector, start_transaction_timestamp=at
        )
        for _ in range(5)
    ]
    seen, url = [], TRANSACTIONS + "?page_size=2"
    while url:
        body = operator_api.get(url).json()
        seen += ids(body)
        url = body["next"]

    assert sorted(seen) == sorted(row.pk for row in rows)


@pytest.mark.parametrize("url", [TRANSACTIONS, "/api/v1/locations/"])
@pytest.mark.parametrize("size", [str(MAX_PAGE_SIZE + 1), "0", "-1", "ten", "1.5"])
def test_a_page_size_out_of_range_is_refused_not_capped(operator_api, url, size):
    response = operator_api.get(url, {"page_size": size})

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "page_size"
    assert str(MAX_PAGE_SIZE) in error["message"]


def test_the_largest_page_is_allowed(operator_api):
    assert operator_api.get(TRANSACTIONS, {"page_size": MAX_PAGE_SIZE}).status_code == 200
    assert operator_api.get("/api/v1/locations/", {"page_size": MAX_PAGE_SIZE}).status_code == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        base64.b64encode(b"p=not-a-time").decode(),
        base64.b64encode(b"o=1&p=9999-99-99").decode(),
    ],
)
def test_a_cursor_made_up_is_a_400(operator_api, chargepoint, connector, cursor):
    started(chargepoint, connector, 5)

    response = operator_api.get(TRANSACTIONS, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_small_lists_keep_page_numbers(operator_api, location):
    body = operator_api.get("/api/v1/locations/", {"page": 1}).json()

    assert body["count"] == 1
    assert operator_api.get("/api/v1/locations/", {"cursor": "x"}).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sessions/",
        "/api/v1/reservations/",
        "/api/v1/notifications/",
        "/api/v1/commands/",
        "/api/v1/charge-points/CP-TEST-1/commands/",
    ],
)
def test_growing_lists_page_by_cursor(operator_api, chargepoint, url):
    body = operator_api.get(url, {"page_size": 1}).json()

    assert set(body) == {"next", "previous", "results"}
    assert operator_api.get(url, {"page": 2}).status_code == 400

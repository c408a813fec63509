"""A query parameter a view does not read is a 400, on every route of /api/v1/ (issue 18).

Before, ``stopped_after``, ``location`` and a command list's ``status`` were
ignored and every row came back as if filtered.
"""

import datetime
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import ChargePoint, Command, Location, Transaction
from tests import test_api_permissions as matrix
from tests.test_api_permissions import ANON, OP, ROUTES, client_for, url_of

# The permission matrix's world: every route has something to show.
world, quick_settings, a_photo = matrix.world, matrix.quick_settings, matrix.a_photo


def _answered_route(route):
    """The route and a caller it lets through, so that only the query can refuse it."""
    for caller, status in route.expect.items():
        if 200 <= status < 300 or status == 409:
            return pytest.param(route, caller, id=f"{route.method} {route.url} as {caller}")
    return None


ANSWERED = [param for route in ROUTES if (param := _answered_route(route)) is not None]


@pytest.mark.parametrize(("route", "caller"), ANSWERED)
def test_every_route_refuses_a_query_parameter_it_does_not_read(route, caller, world):
    url = url_of(route.url, world)
    url += ("&" if "?" in url else "?") + "no_such_filter=1"
    body = route.body(world) if route.body else None

    response = client_for(world, caller).generic(
        route.method,
        url,
        data="" if body is None else json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT="application/json, */*;q=0.1",
    )

    assert response.status_code == 400, response.content[:300]
    if route.url == "/docs/":
        return  # an HTML page, whose errors the page renderer shows
    problem = response.json()
    assert problem["code"] == "unknown_query_parameter"
    assert problem["parameters"] == ["no_such_filter"]
    assert "no_such_filter" in problem["detail"]


def _operator(world) -> APIClient:
    return client_for(world, OP)


def test_a_misspelled_filter_is_named_rather_than_ignored(world):
    response = _operator(world).get("/api/v1/transactions/?stoped_after=2026-01-01T00:00:00Z&x=1")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["parameters"] == ["stoped_after", "x"]


def test_a_refused_post_acts_on_nothing(world):
    before = Command.objects.count()

    response = _operator(world).post(
        f"/api/v1/charge-points/{world.chargepoint}/commands/?dry_run=1",
        {"command": "reset", "type": "soft"},
        format="json",
    )

    assert response.status_code == 400
    assert Command.objects.count() == before


def test_anonymous_callers_are_told_too(world):
    assert client_for(world, ANON).get("/api/v1/locations/?near=here").status_code == 400
    assert APIClient().get("/api/v1/tariffs/?currency=EUR").status_code == 200


def test_a_detail_takes_no_list_parameters(world):
    url = f"/api/v1/transactions/{world.a.transaction}/"

    response = _operator(world).get(url, {"status": "ACTIVE", "page_size": 1})

    assert response.status_code == 400
    assert response.json()["parameters"] == ["page_size", "status"]


def test_the_schema_and_its_docs_take_their_own_parameters(world):
    client = APIClient()
    assert client.get("/api/v1/schema/", {"lang": "en", "format": "json"}).status_code == 200
    assert client.get("/api/v1/schema/", {"lang": "en", "flavour": "x"}).status_code == 400


def test_ocpi_keeps_its_own_rules(db):
    # OCPI 2.2.1 is not the API: its modules answer as OCPI says, not here.
    response = APIClient().get("/ocpi/versions", {"anything": "1"})
    assert "unknown_query_parameter" not in response.content.decode()


# -- filters that were ignored and are now real ------------------------------------


def test_transactions_filter_by_stop_time_and_location(world, location, connector):
    other = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Elsewhere",
        address="Hof 9",
        city="Bonn",
        postal_code="53111",
        country="DE",
        coordinates={"latitude": "50.7", "longitude": "7.1"},
        parking_type=location.parking_type,
    )
    far = ChargePoint.objects.create(chargepoint_id="CP-FAR", location=other)
    stopped = Transaction.objects.create(
        chargepoint=far,
        connector=far.connectors.create(connectorid=1),
        start_transaction_timestamp=timezone.now() - datetime.timedelta(hours=2),
        stop_transaction_timestamp=timezone.now() - datetime.timedelta(hours=1),
        wh_meter_start=0,
    )
    api = _operator(world)
    ids = lambda response: [row["transaction_id"] for row in response.json()["results"]]  # noqa: E731

    since = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    assert ids(api.get("/api/v1/transactions/", {"stopped_after": since})) == [stopped.pk]
    assert ids(api.get("/api/v1/transactions/", {"location": other.pk})) == [stopped.pk]
    assert stopped.pk not in ids(api.get("/api/v1/transactions/", {"location": location.pk}))
    assert ids(api.get("/api/v1/sessions/", {"location": other.pk})) == []


def test_commands_filter_by_status_in_the_apis_casing(world, chargepoint):
    Command.objects.create(
        chargepoint=chargepoint,
        name=CommandName.RESET,
        params={"type": "hard"},
        source=CommandSource.ADMIN,
        message_id="refused-one",
        status=CommandStatus.REJECTED,
    )
    api = _operator(world)
    url = f"/api/v1/charge-points/{chargepoint.pk}/commands/"

    rejected = api.get(url, {"status": "REJECTED"}).json()["results"]
    accepted = api.get(url, {"status": "ACCEPTED"}).json()["results"]

    assert [row["id"] for row in accepted] == [world.command]
    assert len(rejected) == 1 and rejected[0]["id"] != world.command
    assert api.get(url, {"status": "MAYBE"}).status_code == 400


def test_a_plain_view_reads_no_parameters_unless_it_declares_them(world):
    driver = APIClient()
    driver.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens['driver_a']}")
    assert driver.get("/api/v1/me/", {"expand": "all"}).status_code == 400

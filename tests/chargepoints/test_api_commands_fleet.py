"""GET /api/v1/commands/: every charger's commands for operators and integrations (issue 18)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import ChargePoint, Command
from tests.rights import OPERATORS, SUPPORT, user_in_group
from tests.tokens import token_for

FLEET = "/api/v1/commands/"


def client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return api


@pytest.fixture
def operator_api(db) -> APIClient:
    return client(user_in_group(OPERATORS, username="ops", password="ops password 42"))


@pytest.fixture
def commands(chargepoint, location):
    other = ChargePoint.objects.create(chargepoint_id="CP-OTHER", location=location)
    made = {}
    for key, charger, name, status, source, age in (
        ("reset", chargepoint, CommandName.RESET, CommandStatus.ACCEPTED, CommandSource.API, 3),
        ("unlock", other, CommandName.UNLOCK_CONNECTOR, CommandStatus.REJECTED, "admin", 2),
        ("offline", other, CommandName.RESET, CommandStatus.CHARGER_OFFLINE, "cli", 1),
    ):
        made[key] = Command.objects.create(
            chargepoint=charger,
            name=name,
            params={},
            source=source,
            message_id=f"m-{key}",
            status=status,
            created_at=timezone.now() - datetime.timedelta(hours=age),
        )
    return made


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_operators_see_every_chargers_commands_newest_first(operator_api, commands):
    assert ids(operator_api.get(FLEET)) == [
        commands["offline"].pk,
        commands["unlock"].pk,
        commands["reset"].pk,
    ]


def test_support_reads_them_too(commands):
    support = user_in_group(SUPPORT, username="helpdesk", password="help password 42")
    assert client(support).get(FLEET).status_code == 200
    assert client(support).get(f"{FLEET}{commands['reset'].pk}/").status_code == 200


def test_drivers_are_refused(driver, commands):
    assert client(driver).get(FLEET).status_code == 403
    assert client(driver).get(f"{FLEET}{commands['reset'].pk}/").status_code == 403
    assert APIClient().get(FLEET).status_code == 401


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "REJECTED"}, ["unlock"]),
        ({"status": "charger_offline"}, ["offline"]),
        ({"command": "reset"}, ["offline", "reset"]),
        ({"chargepoint_id": "CP-OTHER"}, ["offline", "unlock"]),
        ({"source": "CLI"}, ["offline"]),
        ({"created_before": "NOW-90"}, ["unlock", "reset"]),
        ({"created_after": "NOW-150"}, ["offline", "unlock"]),
    ],
)
def test_the_fleet_list_filters(operator_api, commands, query, expected):
    minutes = {"NOW-90": 90, "NOW-150": 150}
    query = {
        key: (
            (timezone.now() - datetime.timedelta(minutes=minutes[value])).isoformat()
            if value in minutes
            else value
        )
        for key, value in query.items()
    }

    assert ids(operator_api.get(FLEET, query)) == [commands[key].pk for key in expected]


@pytest.mark.parametrize(
    "query", [{"status": "MAYBE"}, {"command": "launch"}, {"source": "phone"}, {"state": "x"}]
)
def test_a_filter_value_or_name_it_does_not_know_is_a_400(operator_api, commands, query):
    assert operator_api.get(FLEET, query).status_code == 400


def test_one_command_by_id_whatever_its_charger(operator_api, commands):
    body = operator_api.get(f"{FLEET}{commands['unlock'].pk}/").json()

    assert body["id"] == commands["unlock"].pk
    assert body.get("chargepoint_id", body.get("chargepoint")) == "CP-OTHER"
    assert operator_api.get(f"{FLEET}999999/").status_code == 404

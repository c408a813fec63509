"""REST API for charger commands: who may send them, what a bad request gets, what is recorded."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import user_create
from chargepoints.enums import CommandSource, CommandStatus, TransactionStatus
from chargepoints.models import ChargePoint, Command, Transaction
from chargepoints.services.commands import command_finish
from tests.problems import field_errors
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

CONNECTION = "conn-1"


def list_url(chargepoint_id: str) -> str:
    return reverse("api:chargepoint-command-list", kwargs={"chargepoint_id": chargepoint_id})


def detail_url(chargepoint_id: str, pk: int) -> str:
    return reverse(
        "api:chargepoint-command-detail", kwargs={"chargepoint_id": chargepoint_id, "pk": pk}
    )


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def operator(db):
    return user_in_group(OPERATORS, username="operator", password="operator password 42")


@pytest.fixture
def api(operator) -> APIClient:
    return token_client(operator)


@pytest.fixture
def charger16(chargepoint):
    """A 1.6 charger that is not connected now: commands to it are recorded as offline."""
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def online(charger16):
    charger16.connected = True
    charger16.connection_id = CONNECTION
    charger16.save()
    return charger16


@pytest.fixture
def routed(monkeypatch):
    """Replace the channel-layer hop; the test decides what the "connection" does.

    Returns the list of calls made, and a setter for the behaviour.
    """
    calls = []
    behaviour = {"route": None}

    async def fake_route(*, command_id, chargepoint_id, connection_id, wait):
        calls.append(
            {
                "command_id": command_id,
                "chargepoint_id": chargepoint_id,
                "connection_id": connection_id,
                "wait": wait,
            }
        )
        if behaviour["route"] is not None:
            return await behaviour["route"](command_id=command_id, chargepoint_id=chargepoint_id)
        return True

    monkeypatch.setattr("ocpp_gateway.commands.command_route", fake_route)

    def use(route):
        behaviour["route"] = route

    return calls, use


async def charger_accepts(*, command_id, chargepoint_id):
    # What the connection holding the charger does when the answer comes.
    # sync_to_async runs it in the test's thread, on the test's transaction.
    await sync_to_async(command_finish)(
        chargepoint_id=chargepoint_id,
        command_id=command_id,
        status=CommandStatus.ACCEPTED,
        response={"status": "Accepted"},
    )
    return True


# -- who may -----------------------------------------------------------------


def a_command(chargepoint) -> Command:
    return Command.objects.create(
        chargepoint=chargepoint,
        name="reset",
        params={"type": "soft"},
        source="admin",
        message_id=str(uuid.uuid4()),
    )


ENDPOINTS = ["list", "create", "detail"]


def call_endpoint(client: APIClient, endpoint: str, chargepoint):
    if endpoint == "list":
        return client.get(list_url(chargepoint.pk))
    if endpoint == "create":
        return client.post(list_url(chargepoint.pk), {"command": "reset"}, format="json")
    return client.get(detail_url(chargepoint.pk, a_command(chargepoint).pk))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_anonymous_caller_is_asked_to_authenticate(charger16, endpoint):
    response = call_endpoint(APIClient(), endpoint, charger16)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_driver_with_a_token_is_forbidden(charger16, driver, endpoint):
    response = call_endpoint(token_client(driver), endpoint, charger16)
    assert response.status_code == 403


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_operator_with_a_token_is_allowed(charger16, api, endpoint):
    response = call_endpoint(api, endpoint, charger16)
    assert response.status_code == {"list": 200, "create": 201, "detail": 200}[endpoint]


def test_a_driver_sends_nothing_to_the_charger(charger16, driver):
    token_client(driver).post(list_url(charger16.pk), {"command": "reset"}, format="json")
    assert not Command.objects.exists()


def test_an_operator_logged_in_to_the_admin_may_use_the_api_with_the_session(charger16, operator):
    client = APIClient()
    client.force_login(operator)
    response = client.post(list_url(charger16.pk), {"command": "reset"}, format="json")
    assert response.status_code == 201
    assert len(client.get(list_url(charger16.pk)).json()["results"]) == 1


def test_an_invalid_token_is_refused(charger16):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(list_url(charger16.pk)).status_code == 401


# -- not found ---------------------------------------------------------------


def test_the_list_of_an_unknown_charge_point_is_not_found(api):
    assert api.get(list_url("NOBODY")).status_code == 404


def test_a_command_to_an_unknown_charge_point_is_not_found(api):
    response = api.post(list_url("NOBODY"), {"command": "reset"}, format="json")
    assert response.status_code == 404
    assert not Command.objects.exists()


def test_a_command_is_not_found_under_another_charge_point(api, charger16, location):
    other = ChargePoint.objects.create(chargepoint_id="CP-OTHER", location=location)
    command = a_command(other)
    assert api.get(detail_url(charger16.pk, command.pk)).status_code == 404
    assert api.get(detail_url(other.pk, command.pk)).status_code == 200


def test_an_unknown_command_id_is_not_found(api, charger16):
    assert api.get(detail_url(charger16.pk, 999999)).status_code == 404


# -- bad requests --------------------------------------------------------------


def test_a_post_without_a_command_names_the_missing_field(api, charger16):
    response = api.post(list_url(charger16.pk), {"type": "hard"}, format="json")
    assert response.status_code == 400
    assert field_errors(response) == {"command": ["This field is required."]}


def test_a_command_that_is_not_a_string_is_refused(api, charger16):
    response = api.post(list_url(charger16.pk), {"command": ["reset"]}, format="json")
    assert response.status_code == 400
    assert list(field_errors(response)) == ["command"]


def test_a_body_that_is_not_an_object_is_refused(api, charger16):
    response = api.post(list_url(charger16.pk), ["reset"], format="json")
    assert response.status_code == 400
    assert field_errors(response) == {"non_field_errors": ["Expected a JSON object."]}


def test_an_unknown_command_is_refused(api, charger16):
    response = api.post(list_url(charger16.pk), {"command": "self_destruct"}, format="json")
    assert response.status_code == 400
    assert "Unknown command 'self_destruct'" in field_errors(response)["command"][0]
    assert not Command.objects.exists()


def test_a_limit_out_of_range_gets_a_field_error(api, charger16, connector, now):
    Transaction.objects.create(
        chargepoint=charger16,
        connector=connector,
        transaction_status=TransactionStatus.ACTIVE,
        start_transaction_timestamp=now,
    )
    response = api.post(
        list_url(charger16.pk), {"command": "set_current_limit", "limit": 50}, format="json"
    )
    assert response.status_code == 400
    assert list(field_errors(response)) == ["limit"]
    assert "6 to 32 A" in field_errors(response)["limit"][0]
    assert not Command.objects.exists()


def test_a_missing_required_parameter_gets_a_field_error(api, charger16):
    response = api.post(list_url(charger16.pk), {"command": "unlock_connector"}, format="json")
    assert response.status_code == 400
    assert field_errors(response) == {"connector_id": ["This field is required."]}


def test_an_unknown_parameter_is_named(api, charger16):
    response = api.post(
        list_url(charger16.pk), {"command": "reset", "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert field_errors(response) == {"colour": ["Unknown parameter."]}


def test_a_current_limit_without_an_active_transaction_says_so(api, charger16):
    response = api.post(
        list_url(charger16.pk), {"command": "set_current_limit", "limit": 16}, format="json"
    )
    assert response.status_code == 400
    assert "no active transaction" in field_errors(response)["transaction_id"][0]


def test_a_201_only_command_is_refused_for_a_16_charger(api, charger16):
    response = api.post(list_url(charger16.pk), {"command": "get_base_report"}, format="json")
    assert response.status_code == 400
    problem = field_errors(response)["command"][0]
    assert "not part of OCPP 1.6" in problem
    assert "get_configuration" in problem
    assert not Command.objects.exists()


def test_a_16_charger_is_refused_what_16_cannot_say(api, charger16):
    response = api.post(list_url(charger16.pk), {"command": "reset", "evse_id": 1}, format="json")
    assert response.status_code == 400
    assert list(field_errors(response)) == ["evse_id"]


# -- sending -----------------------------------------------------------------


def test_a_command_to_a_disconnected_charger_is_recorded_offline(api, charger16, operator):
    response = api.post(list_url(charger16.pk), {"command": "reset", "type": "hard"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == CommandStatus.CHARGER_OFFLINE.upper()
    assert response["Location"] == body["url"]
    command = Command.objects.get()
    assert body["url"] == "http://testserver" + detail_url(charger16.pk, command.pk)
    assert command.source == CommandSource.API
    assert command.requested_by == operator
    assert command.answered_at is not None


def test_a_form_encoded_post_works_like_json(api, charger16):
    response = api.post(list_url(charger16.pk), {"command": "reset", "type": "hard"})
    assert response.status_code == 201
    assert Command.objects.get().params == {"type": "hard"}


def test_a_command_the_charger_has_not_answered_yet_is_accepted_for_later(api, online, routed):
    calls, _ = routed
    response = api.post(list_url(online.pk), {"command": "reset"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == CommandStatus.PENDING.upper()
    assert response["Location"] == body["url"]
    assert calls == [
        {
            "command_id": body["id"],
            "chargepoint_id": online.pk,
            "connection_id": CONNECTION,
            "wait": settings.CSMS_COMMAND_WAIT,
        }
    ]
    assert api.get(body["url"]).json()["status"] == CommandStatus.PENDING.upper()


def test_a_command_the_charger_answers_in_time_comes_back_with_its_answer(api, online, routed):
    _, use = routed
    use(charger_accepts)
    response = api.post(list_url(online.pk), {"command": "reset", "type": "hard"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == CommandStatus.ACCEPTED.upper()
    assert body["response"] == {"status": "Accepted"}
    assert body["request"] == {"type": "Hard"}
    assert body["action"] == "Reset"
    assert response["Location"] == body["url"]


def test_a_command_no_connection_takes_is_recorded_offline(api, online, routed):
    _, use = routed

    async def nobody(**_):
        return False

    use(nobody)
    response = api.post(list_url(online.pk), {"command": "reset"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == CommandStatus.CHARGER_OFFLINE.upper()
    assert "No server process holds a connection" in body["error_description"]


# -- reading -----------------------------------------------------------------


def test_the_list_is_newest_first_and_paginated(api, charger16):
    for kind in ("soft", "hard"):
        api.post(list_url(charger16.pk), {"command": "reset", "type": kind}, format="json")
    body = api.get(list_url(charger16.pk)).json()
    assert len(body["results"]) == 2
    # The reset types as the API documents them (HARD, SOFT), whatever case was sent.
    assert [item["params"] for item in body["results"]] == [{"type": "HARD"}, {"type": "SOFT"}]
    assert {"next", "previous"} <= set(body)


def test_the_list_shows_only_this_charge_points_commands(api, charger16, location):
    a_command(ChargePoint.objects.create(chargepoint_id="CP-OTHER", location=location))
    a_command(charger16)
    body = api.get(list_url(charger16.pk)).json()
    assert [item["chargepoint_id"] for item in body["results"]] == [charger16.pk]


def test_the_detail_shows_what_was_asked_sent_and_answered(api, charger16, connector):
    created = api.post(
        list_url(charger16.pk),
        {"command": "unlock_connector", "connector_id": 1},
        format="json",
    ).json()
    body = api.get(created["url"]).json()
    assert body == created
    assert body["chargepoint_id"] == charger16.pk
    assert body["command"] == "UNLOCK_CONNECTOR"
    assert body["params"] == {"connector_id": 1, "evse_id": 1, "evse_connector_id": 1}
    assert body["action"] == "UnlockConnector"
    assert body["request"] == {"connectorId": 1}
    assert body["response"] is None
    assert body["connector_id"] == 1
    assert body["requested_by"] == "operator"
    assert body["source"] == "API"
    assert body["ocpp_version"] == "ocpp1.6"
    assert body["error_description"] == "The charge point is not connected."


def test_a_command_nobody_requested_shows_no_requester(api, charger16):
    body = api.get(detail_url(charger16.pk, a_command(charger16).pk)).json()
    assert body["requested_by"] is None
    assert body["connector_id"] is None


def test_a_stale_connected_flag_ends_as_offline_through_the_real_layer(api, online, settings):
    # No consumer is listening on the in-memory layer, so nobody acknowledges.
    settings.CSMS_COMMAND_ACK_TIMEOUT = 0.05
    response = api.post(list_url(online.pk), {"command": "reset"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == CommandStatus.CHARGER_OFFLINE.upper()


def test_a_current_limit_is_recorded_against_the_active_transaction(api, charger16, connector, now):
    tx = Transaction.objects.create(
        chargepoint=charger16,
        connector=connector,
        transaction_status=TransactionStatus.ACTIVE,
        start_transaction_timestamp=now,
    )
    response = api.post(
        list_url(charger16.pk), {"command": "set_current_limit", "limit": 16}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["transaction_id"] == tx.pk
    assert body["connector_id"] == 1
    assert body["params"]["limit"] == 16
    assert body["action"] == "SetChargingProfile"


@pytest.mark.parametrize(
    "command, field",
    [
        ("reserve_now", "expiry_date"),
        ("update_firmware", "retrieve_date"),
        ("get_diagnostics", "start_time"),
        ("get_log", "oldest_timestamp"),
        ("set_charging_profile", "valid_from"),
    ],
)
def test_a_date_that_is_not_a_string_gets_a_field_error(operator, charger16, command, field):
    client = token_client(operator)
    client.raise_request_exception = False
    response = client.post(list_url(charger16.pk), {"command": command, field: 5}, format="json")
    assert response.status_code == 400
    assert field in field_errors(response)


def test_staff_who_may_only_view_charge_points_cannot_send_commands(charger16):
    viewer = user_create(username="viewer", password="viewer password 42", is_staff=True)
    response = token_client(viewer).post(
        list_url(charger16.pk),
        {"command": "reset"},
        format="json",
    )
    assert response.status_code == 403
    assert not Command.objects.exists()

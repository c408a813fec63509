"""Commands in the admin: changelist actions, the current-limit and send-command pages, history."""

import re
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.services import user_create
from chargepoints.admin.charger_page import COMMANDS_LISTED
from chargepoints.enums import CommandSource, CommandStatus, TransactionStatus
from chargepoints.models import ChargePoint, Command, Connector, Transaction

CHANGELIST = "admin:chargepoints_chargepoint_changelist"
COMMAND_ACTIONS = [
    "command_soft_reset_onidle",
    "command_hard_reset_immediate",
    "command_make_operative",
    "command_make_inoperative",
    "command_trigger_status_notifications",
    "command_fetch_configuration",
    "stop_active_transactions",
    "unlock_connectors",
]


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x" * 12)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def charger16(chargepoint):
    """A 1.6 charger that is not connected: every command ends as charger_offline at once."""
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def active_tx(charger16, connector, now) -> Transaction:
    return Transaction.objects.create(
        chargepoint=charger16,
        connector=connector,
        charger_transaction_id="tx-on-charger",
        transaction_status=TransactionStatus.ACTIVE,
        start_transaction_timestamp=now,
    )


def run_action(client, action: str, *chargepoints):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [cp.pk for cp in chargepoints]},
    )


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def current_limit_url(chargepoint) -> str:
    return reverse("admin:chargepoints_chargepoint_current_limit", args=[chargepoint.pk])


def send_command_url(chargepoint) -> str:
    return reverse("admin:chargepoints_chargepoint_send_command", args=[chargepoint.pk])


def change_url(chargepoint) -> str:
    return reverse("admin:chargepoints_chargepoint_change", args=[chargepoint.pk])


# -- actions -----------------------------------------------------------------


def test_every_command_action_is_offered_to_a_superuser(admin_client):
    response = admin_client.get(reverse(CHANGELIST))
    offered = {value for value, _ in response.context["action_form"].fields["action"].choices}
    assert set(COMMAND_ACTIONS) <= offered


@pytest.mark.parametrize(
    "action, name, params",
    [
        ("command_soft_reset_onidle", "reset", {"type": "soft"}),
        ("command_hard_reset_immediate", "reset", {"type": "hard"}),
        ("command_make_operative", "change_availability", {"type": "Operative", "connector_id": 0}),
        (
            "command_make_inoperative",
            "change_availability",
            {"type": "Inoperative", "connector_id": 0},
        ),
        (
            "command_trigger_status_notifications",
            "trigger_message",
            {"requested_message": "StatusNotification"},
        ),
        ("command_fetch_configuration", "get_configuration", {"keys": []}),
    ],
)
def test_an_action_records_its_command_for_an_offline_charger(
    admin_client, superuser, charger16, action, name, params
):
    response = run_action(admin_client, action, charger16)
    assert response.status_code == 302
    command = Command.objects.get()
    assert (command.chargepoint_id, command.name, command.params) == (charger16.pk, name, params)
    assert command.source == CommandSource.ADMIN
    assert command.requested_by == superuser
    assert command.status == CommandStatus.CHARGER_OFFLINE
    [(level, text)] = messages_of(response)
    assert level == "warning"
    assert text.startswith(f"{charger16.pk}: {command.get_name_display()}: Charger offline")


def test_fetching_the_configuration_of_a_201_charger_asks_for_its_base_report(
    admin_client, chargepoint
):
    chargepoint.ocpp_version = "ocpp2.0.1"
    chargepoint.save()
    run_action(admin_client, "command_fetch_configuration", chargepoint)
    command = Command.objects.get()
    assert command.name == "get_base_report"
    assert command.action == "GetBaseReport"
    assert command.params["report_base"] == "FullInventory"
    assert command.request == {
        "requestId": command.params["request_id"],
        "reportBase": "FullInventory",
    }


def test_an_action_sends_one_command_to_each_selected_charger(admin_client, charger16, location):
    other = ChargePoint.objects.create(
        chargepoint_id="CP-TEST-2", location=location, ocpp_version="ocpp2.0.1"
    )
    response = run_action(admin_client, "command_hard_reset_immediate", charger16, other)
    sent = Command.objects.order_by("chargepoint_id")
    assert [(c.chargepoint_id, c.action, c.request) for c in sent] == [
        (charger16.pk, "Reset", {"type": "Hard"}),
        (other.pk, "Reset", {"type": "Immediate"}),
    ]
    assert len(messages_of(response)) == 2


def test_stopping_active_transactions_asks_to_stop_each_one(
    admin_client, superuser, charger16, active_tx
):
    response = run_action(admin_client, "stop_active_transactions", charger16)
    assert response.status_code == 302
    command = Command.objects.get()
    assert command.name == "remote_stop"
    assert command.params == {
        "transaction_id": active_tx.pk,
        "charger_transaction_id": "tx-on-charger",
        "connector_id": 1,
        "evse_id": 1,
    }
    assert command.transaction == active_tx
    assert command.request == {"transactionId": active_tx.pk}
    assert (command.source, command.requested_by) == (CommandSource.ADMIN, superuser)
    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert len(messages_of(response)) == 1


def test_stopping_without_an_active_transaction_says_so(admin_client, charger16, connector, now):
    Transaction.objects.create(
        chargepoint=charger16,
        connector=connector,
        transaction_status=TransactionStatus.COMPLETED,
        start_transaction_timestamp=now,
    )
    response = run_action(admin_client, "stop_active_transactions", charger16)
    assert not Command.objects.exists()
    assert messages_of(response) == [("warning", f"{charger16.pk}: no active transaction")]


def test_unlocking_skips_the_connector_in_a_transaction(
    admin_client, superuser, charger16, active_tx
):
    Connector.objects.create(chargepoint=charger16, connectorid=2)
    response = run_action(admin_client, "unlock_connectors", charger16)
    command = Command.objects.get()
    assert command.name == "unlock_connector"
    assert command.params == {"connector_id": 2, "evse_id": 2, "evse_connector_id": 1}
    assert command.connector.connectorid == 2
    assert (command.source, command.requested_by) == (CommandSource.ADMIN, superuser)
    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert len(messages_of(response)) == 1


def test_unlocking_asks_for_every_free_connector(admin_client, charger16, connector):
    Connector.objects.create(chargepoint=charger16, connectorid=2)
    run_action(admin_client, "unlock_connectors", charger16)
    sent = Command.objects.filter(name="unlock_connector").order_by("params__connector_id")
    assert [command.request for command in sent] == [{"connectorId": 1}, {"connectorId": 2}]


@pytest.fixture
def routed(monkeypatch):
    """The channel-layer hop replaced by one that takes every command and answers none."""
    calls = []

    async def fake_route(*, command_id, chargepoint_id, connection_id, wait):
        calls.append((chargepoint_id, wait))
        return True

    monkeypatch.setattr("ocpp_gateway.commands.command_route", fake_route)
    return calls


def test_an_action_on_one_connected_charger_waits_for_its_answer(admin_client, charger16, routed):
    charger16.connected = True
    charger16.save()
    response = run_action(admin_client, "command_soft_reset_onidle", charger16)
    assert routed == [(charger16.pk, settings.CSMS_COMMAND_WAIT)]
    [(level, text)] = messages_of(response)
    assert level == "info"
    assert text == f"{charger16.pk}: Reset: Pending; see the command history for the answer"


def test_an_action_on_several_connected_chargers_waits_for_none(
    admin_client, charger16, location, routed
):
    other = ChargePoint.objects.create(
        chargepoint_id="CP-TEST-2", location=location, ocpp_version="ocpp1.6", connected=True
    )
    charger16.connected = True
    charger16.save()
    run_action(admin_client, "command_soft_reset_onidle", charger16, other)
    assert sorted(routed) == [(charger16.pk, 0), (other.pk, 0)]


# -- the current-limit page ----------------------------------------------------


def test_the_current_limit_page_renders(admin_client, charger16):
    response = admin_client.get(current_limit_url(charger16))
    assert response.status_code == 200
    assert set(response.context["form"].fields) == {"limit", "connector_id"}
    assert "Not connected" in response.content.decode()


def test_a_current_limit_is_recorded_and_leads_back_to_the_charger(
    admin_client, superuser, charger16, active_tx
):
    response = admin_client.post(current_limit_url(charger16), {"limit": "16"})
    assert response.status_code == 302
    assert response["Location"] == change_url(charger16)
    command = Command.objects.get()
    assert command.name == "set_current_limit"
    assert command.params["limit"] == 16
    assert command.params["periods"] == [{"start_period": 0, "limit": 16}]
    assert command.transaction == active_tx
    assert (command.source, command.requested_by) == (CommandSource.ADMIN, superuser)
    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert messages_of(response)[0][1].startswith(f"{charger16.pk}: Set current limit: ")


def test_a_limit_out_of_range_is_shown_on_the_limit_field(admin_client, charger16, active_tx):
    response = admin_client.post(current_limit_url(charger16), {"limit": "50"})
    assert response.status_code == 200
    assert "6 to 32 A" in response.context["form"].errors["limit"][0]
    assert not Command.objects.exists()


def test_a_limit_that_is_not_a_number_is_shown_on_the_limit_field(admin_client, charger16):
    response = admin_client.post(current_limit_url(charger16), {"limit": "lots"})
    assert response.status_code == 200
    assert "limit" in response.context["form"].errors
    assert not Command.objects.exists()


def test_a_limit_without_an_active_transaction_says_there_is_none(admin_client, charger16):
    response = admin_client.post(current_limit_url(charger16), {"limit": "16"})
    assert response.status_code == 200
    [problem] = response.context["form"].non_field_errors()
    assert problem.startswith("transaction_id: There is no active transaction")
    assert "There is no active transaction" in response.content.decode()
    assert not Command.objects.exists()


def test_the_current_limit_page_of_an_unknown_charger_is_not_found(admin_client):
    assert admin_client.get(current_limit_url(ChargePoint(pk="NOBODY"))).status_code == 404


# -- the send-command page -----------------------------------------------------


def test_the_send_command_page_renders(admin_client, charger16):
    response = admin_client.get(send_command_url(charger16))
    assert response.status_code == 200
    assert set(response.context["form"].fields) == {"command", "params"}


def test_a_command_with_json_parameters_is_recorded(admin_client, superuser, charger16):
    response = admin_client.post(
        send_command_url(charger16),
        {
            "command": "change_configuration",
            "params": '{"key": "HeartbeatInterval", "value": "60"}',
        },
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(charger16)
    command = Command.objects.get()
    assert command.name == "change_configuration"
    assert command.params == {"key": "HeartbeatInterval", "value": "60"}
    assert command.request == {"key": "HeartbeatInterval", "value": "60"}
    assert (command.source, command.requested_by) == (CommandSource.ADMIN, superuser)


def test_a_command_without_parameters_may_leave_them_empty(admin_client, charger16):
    response = admin_client.post(send_command_url(charger16), {"command": "clear_cache"})
    assert response.status_code == 302
    assert Command.objects.get().action == "ClearCache"


def test_parameters_that_are_not_json_are_a_form_error(admin_client, charger16):
    response = admin_client.post(
        send_command_url(charger16), {"command": "reset", "params": "{type: hard"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["params"][0].startswith("Not valid JSON")
    assert not Command.objects.exists()


def test_parameters_that_are_not_an_object_are_a_form_error(admin_client, charger16):
    response = admin_client.post(send_command_url(charger16), {"command": "reset", "params": "[1]"})
    assert response.status_code == 200
    assert response.context["form"].errors["params"] == ["Expected a JSON object."]


def test_an_invalid_parameter_is_shown_with_its_name(admin_client, charger16):
    response = admin_client.post(
        send_command_url(charger16), {"command": "reset", "params": '{"colour": "red"}'}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["colour: Unknown parameter."]
    assert not Command.objects.exists()


def test_a_command_the_charger_version_lacks_is_a_form_error(admin_client, charger16):
    response = admin_client.post(send_command_url(charger16), {"command": "get_base_report"})
    assert response.status_code == 200
    # "command" is a field of this form, so the problem is shown on it.
    assert "not part of OCPP 1.6" in response.context["form"].errors["command"][0]
    assert not Command.objects.exists()


# -- the charge point page ---------------------------------------------------------


def a_command(chargepoint, name="clear_cache", **fields) -> Command:
    return Command.objects.create(
        chargepoint=chargepoint,
        name=name,
        source="api",
        message_id=str(uuid.uuid4()),
        **fields,
    )


def test_the_charge_point_page_shows_the_command_history(admin_client, charger16):
    a_command(charger16, name="get_composite_schedule")
    page = admin_client.get(change_url(charger16)).content.decode()
    assert "Get composite schedule" in page
    assert 'id="chargepoint-commands"' in page


def test_the_charge_point_page_links_to_the_command_pages(admin_client, charger16):
    page = admin_client.get(change_url(charger16)).content.decode()
    assert current_limit_url(charger16) in page
    assert send_command_url(charger16) in page
    assert f"/admin/chargepoints/command/?chargepoint={charger16.pk}" in page


def test_the_history_shows_only_the_newest_commands(admin_client, charger16, now):
    from datetime import timedelta

    for minutes in range(COMMANDS_LISTED + 5):
        a_command(charger16, created_at=now + timedelta(minutes=minutes))
    newest = Command.objects.order_by("-created_at")[:COMMANDS_LISTED]
    page = admin_client.get(change_url(charger16)).content.decode()
    shown = [int(pk) for pk in re.findall(r'<tr data-command="(\d+)"', page)]
    assert shown == [command.pk for command in newest]


def test_the_all_commands_link_lists_this_chargers_commands(admin_client, charger16, location):
    a_command(charger16)
    a_command(ChargePoint.objects.create(chargepoint_id="CP-OTHER", location=location))
    response = admin_client.get(
        reverse("admin:chargepoints_command_changelist"), {"chargepoint": charger16.pk}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


# -- permission ----------------------------------------------------------------


@pytest.fixture
def viewer_client(client, charger16):
    """Staff who may look at charge points but not change them."""
    viewer = user_create(username="viewer", password="viewer password 42", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_chargepoint", content_type__app_label="chargepoints")
    )
    client.force_login(viewer)
    return client


def test_staff_without_change_permission_cannot_open_the_current_limit_page(
    viewer_client, charger16
):
    assert viewer_client.get(current_limit_url(charger16)).status_code == 403
    assert viewer_client.post(current_limit_url(charger16), {"limit": "16"}).status_code == 403


def test_staff_without_change_permission_cannot_send_a_command(viewer_client, charger16):
    response = viewer_client.post(send_command_url(charger16), {"command": "reset", "params": ""})
    assert response.status_code == 403
    assert not Command.objects.exists()


def test_staff_without_change_permission_are_offered_no_command_action(viewer_client):
    response = viewer_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    action_form = response.context["action_form"]
    offered = set() if action_form is None else {v for v, _ in action_form.fields["action"].choices}
    assert not offered & set(COMMAND_ACTIONS)


def test_staff_without_change_permission_cannot_run_a_command_action(viewer_client, charger16):
    run_action(viewer_client, "command_hard_reset_immediate", charger16)
    assert not Command.objects.exists()


def test_a_date_parameter_that_is_not_a_string_is_a_form_error(admin_client, charger16):
    admin_client.raise_request_exception = False
    response = admin_client.post(
        send_command_url(charger16),
        {"command": "reserve_now", "params": '{"id_tag": "ABC", "expiry_date": 5}'},
    )
    assert response.status_code == 200
    assert any(e.startswith("expiry_date: ") for e in response.context["form"].non_field_errors())

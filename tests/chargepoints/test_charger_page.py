"""Issue 17: the charger page shows what a charger does now and offers its commands."""

import datetime
import re

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_create
from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import ChargePoint, Command, Connector, SampledValue, Transaction
from ocpp_gateway.models import OCPPMessage
from tests.rights import OPERATORS, SUPPORT, user_in_group


@pytest.fixture
def charging(location):
    now = timezone.now()
    cp = ChargePoint.objects.create(chargepoint_id="CP 1/x", location=location, connected=True)
    plug = Connector.objects.create(chargepoint=cp, connectorid=1, connector_status="Charging")
    Connector.objects.create(chargepoint=cp, connectorid=2, connector_status="Available")
    tx = Transaction.objects.create(
        chargepoint=cp,
        connector=plug,
        start_transaction_timestamp=now - datetime.timedelta(minutes=10),
        wh_meter_start=0,
        wh_meter_last=1200,
        last_power_w=7200,
    )
    for minute, watts in [(9, 7000), (8, 7100), (7, 7200)]:
        SampledValue.objects.create(
            chargepoint=cp,
            transaction=tx,
            timestamp=now - datetime.timedelta(minutes=minute),
            value=str(watts),
            numeric_value=watts,
            measurand="Power.Active.Import",
        )
    for n in range(55):
        OCPPMessage.objects.create(
            chargepoint=cp,
            message_id=f"m{n}",
            direction="INBOUND",
            message_type=2,
            action="Heartbeat" if n < 54 else "MeterValues",
            payload={"n": n},
            timestamp=now - datetime.timedelta(seconds=60 - n),
        )
    Command.objects.create(
        chargepoint=cp,
        name=CommandName.RESET,
        source=CommandSource.ADMIN,
        message_id="cmd-1",
        status=CommandStatus.ACCEPTED,
        response={"status": "Accepted"},
    )
    return cp, tx


def page_url(cp) -> str:
    return reverse("admin:chargepoints_chargepoint_change", args=[quote(cp.pk)])


def live_url(cp) -> str:
    return reverse("admin:chargepoints_chargepoint_live", args=[quote(cp.pk)])


@pytest.fixture
def operator_client(client, db):
    client.force_login(user_in_group(OPERATORS, username="op", is_staff=True))
    return client


@pytest.mark.django_db
def test_the_page_shows_connection_connectors_transaction_and_energy(operator_client, charging):
    cp, _ = charging

    html = operator_client.get(page_url(cp)).content.decode()

    assert re.search(r"data-chargepoint-connected>Online<", html)
    assert 'data-connector-status="1">Charging<' in html
    assert 'data-connector-status="2">Available<' in html
    assert 'data-figure="transaction_energy_kwh">1.2<' in html
    assert 'data-figure="transaction_power_w">7200.0<' in html
    assert 'data-chart="power_curve"' in html
    assert 'data-chart="energy_daily"' in html and 'data-chart="energy_monthly"' in html
    assert "chargepoint=CP+1%2Fx" in html  # the charts' scope, URL-encoded
    assert 'data-csms-live="/ws/admin/live/?chargepoint=CP%201%2Fx"' in html
    assert 'data-figure="energy_day_kwh"' in html


@pytest.mark.django_db
def test_the_page_lists_the_last_50_ocpp_messages_and_the_commands(operator_client, charging):
    cp, _ = charging

    html = operator_client.get(page_url(cp)).content.decode()

    messages = re.search(r'<table id="ocpp-messages">(.*?)</table>', html, re.S).group(1)
    assert messages.count("<tr>") == 51  # the header and 50 rows
    assert "MeterValues" in messages  # the newest first
    assert "{&quot;n&quot;: 4}" not in messages and "{&quot;n&quot;: 5}" in messages
    commands = re.search(r'<table id="chargepoint-commands">(.*?)</table>', html, re.S).group(1)
    assert "Reset" in commands and "Accepted" in commands


@pytest.mark.django_db
def test_the_page_reads_the_ocpp_messages_once(operator_client, charging):
    cp, _ = charging

    with CaptureQueriesContext(connection) as queries:
        html = operator_client.get(page_url(cp)).content.decode()

    assert html.count('<table id="ocpp-messages">') == 1
    reads = [q["sql"] for q in queries.captured_queries if "ocpp_gateway_ocppmessage" in q["sql"]]
    assert len(reads) == 1, reads


@pytest.mark.django_db
def test_the_live_endpoint_answers_the_state_and_power_curve(operator_client, charging):
    cp, tx = charging

    state = operator_client.get(live_url(cp)).json()

    assert state["connected"] is True
    assert state["connectors"] == {"1": "Charging", "2": "Available"}
    assert state["transaction"]["id"] == tx.pk
    assert state["transaction"]["energy_kwh"] == 1.2
    assert state["transaction"]["power_curve"]["datasets"][0]["data"] == [7000, 7100, 7200]
    assert '<table id="ocpp-messages">' in state["panels"]["ocpp-messages"]


@pytest.mark.django_db
def test_an_operator_gets_the_command_buttons_and_comes_back_to_the_page(operator_client, charging):
    cp, _ = charging
    ChargePoint.objects.filter(pk=cp.pk).update(connected=False)
    html = operator_client.get(page_url(cp)).content.decode()
    assert 'value="command_soft_reset_onidle"' in html
    assert reverse("admin:chargepoints_chargepoint_current_limit", args=[quote(cp.pk)]) in html

    answer = operator_client.post(
        reverse("admin:chargepoints_chargepoint_changelist"),
        {
            "action": "command_soft_reset_onidle",
            "_selected_action": cp.pk,
            "_charger_page": cp.pk,
            "index": "0",
        },
    )

    assert answer.status_code == 302
    assert answer["Location"] == page_url(cp)
    sent = Command.objects.filter(chargepoint=cp).order_by("-id").first()
    assert sent.name == CommandName.RESET and sent.status == CommandStatus.CHARGER_OFFLINE


@pytest.mark.django_db
def test_support_sees_the_page_without_command_buttons(client, charging):
    cp, _ = charging
    client.force_login(user_in_group(SUPPORT, username="desk", is_staff=True))

    html = client.get(page_url(cp)).content.decode()

    assert 'data-connector-status="1"' in html
    assert 'id="ocpp-messages"' in html
    assert "command_soft_reset_onidle" not in html


@pytest.mark.django_db
def test_the_messages_panel_needs_its_own_view_permission(client, charging):
    cp, _ = charging
    user = user_create(username="cp-only", password="x", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="chargepoints", codename="view_chargepoint")
    )
    client.force_login(user)

    html = client.get(page_url(cp)).content.decode()
    state = client.get(live_url(cp)).json()

    assert 'data-connector-status="1"' in html
    assert 'id="ocpp-messages"' not in html
    assert 'id="chargepoint-commands"' not in html
    assert state["panels"] == {}


@pytest.mark.django_db
def test_the_live_endpoint_refuses_staff_without_the_view_permission(client, charging):
    cp, _ = charging
    client.force_login(user_create(username="bare", password="x", is_staff=True))

    answer = client.get(live_url(cp))

    assert answer.status_code == 403
    assert answer.json()["detail"]


@pytest.mark.django_db
def test_the_live_endpoint_sends_anonymous_visitors_to_the_login(client, charging):
    cp, _ = charging

    answer = client.get(live_url(cp))

    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("admin:login"))

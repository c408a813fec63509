"""``updated_after``: what changed since an integration last looked, oldest change first."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdTag
from accounts.services import idtags_set_revoked
from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import ChargePoint, Command, Transaction
from chargepoints.services.commands import command_finish, command_mark_sent
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

LONG_AGO = timezone.now() - datetime.timedelta(days=3)


@pytest.fixture
def operator_api(db) -> APIClient:
    client = APIClient()
    operator = user_in_group(OPERATORS, username="ops", password="ops password 42")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    return client


def since(delta=datetime.timedelta(days=1)) -> str:
    return (timezone.now() - delta).isoformat().replace("+00:00", "Z")


def ids(response, key="id") -> list:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def test_a_command_answered_through_the_gateway_shows_up(operator_api, chargepoint):
    command = Command.objects.create(
        chargepoint=chargepoint,
        name=CommandName.RESET,
        params={"type": "soft"},
        source=CommandSource.API,
        message_id="m-1",
        status=CommandStatus.PENDING,
    )
    Command.objects.filter(pk=command.pk).update(updated_at=LONG_AGO, created_at=LONG_AGO)
    assert ids(operator_api.get("/api/v1/commands/", {"updated_after": since()})) == []

    # What the gateway's command runner calls as the frame goes out and the answer comes in.
    command_mark_sent(chargepoint_id=chargepoint.pk, command_id=command.pk, at=timezone.now())
    sent = ids(operator_api.get("/api/v1/commands/", {"updated_after": since()}))
    Command.objects.filter(pk=command.pk).update(updated_at=LONG_AGO)
    command_finish(
        chargepoint_id=chargepoint.pk,
        command_id=command.pk,
        status=CommandStatus.ACCEPTED,
        response={"status": "Accepted"},
    )
    answered = operator_api.get("/api/v1/commands/", {"updated_after": since()})

    assert sent == [command.pk]
    assert ids(answered) == [command.pk]
    assert answered.json()["results"][0]["status"].upper() == "ACCEPTED"


def test_changes_come_oldest_first_and_a_sync_resumes_by_cursor(
    operator_api, chargepoint, connector
):
    rows = [
        Transaction.objects.create(
            chargepoint=chargepoint,
            connector=connector,
            start_transaction_timestamp=timezone.now() - datetime.timedelta(hours=n),
            wh_meter_start=0,
        )
        for n in range(4)
    ]
    # Changed in the order 2, 0, 3, 1; one long ago that a sync already has.
    for minutes, tx in zip((40, 30, 20, 10), (rows[2], rows[0], rows[3], rows[1]), strict=True):
        Transaction.objects.filter(pk=tx.pk).update(
            updated_at=timezone.now() - datetime.timedelta(minutes=minutes)
        )
    old = Transaction.objects.create(
        chargepoint=chargepoint, connector=connector, start_transaction_timestamp=LONG_AGO
    )
    Transaction.objects.filter(pk=old.pk).update(updated_at=LONG_AGO)

    seen, url, params = [], "/api/v1/transactions/", {"updated_after": since(), "page_size": 3}
    while url:
        body = operator_api.get(url, params).json()
        seen += [row["transaction_id"] for row in body["results"]]
        url, params = body["next"], None

    assert seen == [rows[2].pk, rows[0].pk, rows[3].pk, rows[1].pk]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/transactions/",
        "/api/v1/sessions/",
        "/api/v1/reservations/",
        "/api/v1/commands/",
        "/api/v1/charge-points/",
        "/api/v1/charge-points/CP-TEST-1/connectors/",
        "/api/v1/locations/",
        "/api/v1/users/",
        "/api/v1/tariffs/",
        "/api/v1/id-tags/",
    ],
)
def test_every_synced_list_takes_updated_after_in_rfc_3339(operator_api, chargepoint, url):
    assert operator_api.get(url, {"updated_after": since()}).status_code == 200
    local = operator_api.get(url, {"updated_after": "2026-01-01T00:00:00"})
    assert local.status_code == 400
    assert local.json()["errors"][0]["field"] == "updated_after"
    both = operator_api.get(url, {"updated_after": since(), "ordering": "pk"})
    assert both.status_code == 400


def test_charge_points_changed_since_are_the_ones_shown(operator_api, chargepoint, location):
    quiet = ChargePoint.objects.create(chargepoint_id="CP-QUIET", location=location)
    ChargePoint.objects.filter(pk=quiet.pk).update(last_updated=LONG_AGO)

    shown = ids(
        operator_api.get("/api/v1/charge-points/", {"updated_after": since()}), "chargepoint_id"
    )

    assert shown == [chargepoint.pk]


def test_id_tags_blocked_since_are_the_ones_shown(operator_api):
    # An operator's integration keeps its card list in step: a card blocked
    # in bulk (a queryset update) counts as changed, one left alone does not.
    quiet, blocked = IdTag.objects.create(idToken="QUIET-1"), IdTag.objects.create(idToken="LOST-1")
    IdTag.objects.update(updated_at=LONG_AGO)
    idtags_set_revoked(id_tags=IdTag.objects.filter(pk=blocked.pk), revoked=True)

    shown = ids(operator_api.get("/api/v1/id-tags/", {"updated_after": since()}), "id_token")

    assert shown == ["LOST-1"]
    assert quiet.pk not in shown

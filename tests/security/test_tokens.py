"""Issue 15, finding 7: API tokens are hashed, expire, are revoked per device and by a block.

DRF's token was one per user, stored as it is sent, never expired, was shown
in the admin, and worked again the moment a blocked user was unblocked. An
open live-updates socket outlived its token. Each test replays one attack.
"""

import asyncio
import datetime
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib import admin
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import auth_token_revoke, user_create, user_set_status
from chargepoints.models import Transaction
from csms.asgi import application
from tests.chargepoints.test_live import make_tx
from tests.tokens import app, token_for
from tests.waiting import DEADLINE

PASSWORD = "correct horse 42"  # the `driver` fixture's
LOGIN = "/api/v1/auth/login/"
LOGOUT = "/api/v1/auth/logout/"
TOKENS = "/api/v1/auth/tokens/"
ME = "/api/v1/me/"


def log_in() -> str:
    response = APIClient().post(LOGIN, {"username": "driver", "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["token"]


# -- stored hashed, expiring ----------------------------------------------------


def test_a_copy_of_the_database_holds_no_token_that_logs_in(driver):
    token = log_in()

    for row in AuthToken.objects.values():
        assert token not in {str(value) for value in row.values()}
    assert app(token).get(ME).status_code == 200


def test_a_token_unused_past_its_expiry_is_refused(driver):
    token = log_in()
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))

    response = app(token).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert not AuthToken.objects.exists()


# -- revoked per device ---------------------------------------------------------


def test_logging_out_on_one_phone_leaves_the_other_logged_in(driver):
    phone, tablet = log_in(), log_in()

    assert app(phone).post(LOGOUT).status_code == 204

    assert app(phone).get(ME).status_code == 401
    assert app(tablet).get(ME).status_code == 200


def test_a_driver_logs_out_a_stolen_phone_from_another(driver):
    stolen, mine = log_in(), log_in()

    response = app(mine).delete(f"{TOKENS}{stolen[:15]}/")

    assert response.status_code == 204
    assert app(stolen).get(ME).status_code == 401
    assert app(mine).get(ME).status_code == 200


def test_nobody_revokes_or_sees_another_users_token(driver):
    victim = log_in()
    attacker = user_create(username="mallory", password=PASSWORD, phone_number="+66800000001")
    attackers_app = app(token_for(attacker))

    assert attackers_app.delete(f"{TOKENS}{victim[:15]}/").status_code == 404
    assert victim[:15] not in str(attackers_app.get(TOKENS).json())
    assert app(victim).get(ME).status_code == 200


# -- a block revokes ------------------------------------------------------------


def _block_through_the_api(user: User) -> None:
    operator = user_create(username="ops", password=PASSWORD, is_staff=True, is_superuser=True)
    response = app(token_for(operator)).patch(f"/api/v1/users/{user.pk}/", {"status": "BLOCKED"})
    assert response.status_code == 200


def _block_as_the_admin_form_saves(user: User) -> None:
    user.status = "BLOCKED"
    user.save()


def _deactivate(user: User) -> None:
    user.is_active = False
    user.save()


@pytest.mark.parametrize(
    "block", [_block_through_the_api, _block_as_the_admin_form_saves, _deactivate]
)
def test_unblocking_a_user_does_not_bring_their_tokens_back(driver, block):
    stolen = log_in()

    block(driver)
    user = User.objects.get(pk=driver.pk)
    user.is_active = True
    user_set_status(user=user, status="ACTIVE")

    assert app(stolen).get(ME).status_code == 401
    assert not AuthToken.objects.filter(user=driver).exists()


# -- the admin ------------------------------------------------------------------


def test_the_admin_shows_no_token_and_no_digest(client, driver):
    token = log_in()
    digest = AuthToken.objects.get().digest
    client.force_login(User.objects.create_superuser("root", password="x" * 12))

    pages = [
        client.get("/admin/accounts/apitoken/"),
        client.get(f"/admin/accounts/apitoken/{digest}/change/"),
        client.post(
            "/admin/accounts/apitoken/",
            {"action": "delete_selected", "_selected_action": [digest]},
        ),
    ]

    for page in pages:
        assert page.status_code == 200
        # What is on the screen: the page without its markup (whose links
        # and form fields name the row by its digest, which logs nobody in).
        shown = re.sub(r"<[^>]*>", " ", page.content.decode())
        assert token[:15] in shown  # the device, by its key
        assert token not in shown
        assert digest not in shown
    # Knox's own admin lists tokens by their digest.
    assert not admin.site.is_registered(AuthToken)


# -- the live-updates socket ------------------------------------------------------


def _closed_after(tx: Transaction, token: str, attack) -> dict:
    """Watch the transaction live, run ``attack`` (sync), return what the socket says next."""

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/v1/transactions/{tx.pk}/?token={token}")
        connected, _ = await socket.connect(timeout=DEADLINE)
        assert connected
        assert (await socket.receive_json_from(timeout=DEADLINE))["transaction_id"] == tx.pk
        await database_sync_to_async(attack)()
        return await socket.receive_output(timeout=DEADLINE)

    return asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
def test_a_blocked_users_live_socket_is_closed(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)

    output = _closed_after(
        tx, token_for(driver), lambda: user_set_status(user=driver, status="BLOCKED")
    )

    assert output == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
def test_a_live_socket_is_closed_when_its_token_is_revoked(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)
    token = token_for(driver)

    output = _closed_after(tx, token, lambda: auth_token_revoke(token=AuthToken.objects.get()))

    assert output == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
def test_a_live_socket_is_closed_when_its_token_expires(chargepoint, connector, driver, settings):
    # Without refresh, so that opening the socket does not push the expiry back.
    settings.REST_KNOX = {**settings.REST_KNOX, "AUTO_REFRESH": False}
    tx = make_tx(chargepoint, connector, driver)
    token = token_for(driver)
    soon = timezone.now() + datetime.timedelta(seconds=1)
    AuthToken.objects.update(expiry=soon)

    output = _closed_after(tx, token, lambda: None)

    assert output == {"type": "websocket.close", "code": 4401}
    assert timezone.now() >= soon


@pytest.mark.django_db(transaction=True)
def test_an_expired_token_opens_no_socket(chargepoint, connector, driver):
    tx = make_tx(chargepoint, connector, driver)
    token = token_for(driver)
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/v1/transactions/{tx.pk}/?token={token}")
        await socket.connect(timeout=DEADLINE)
        return await socket.receive_output(timeout=DEADLINE)

    assert asyncio.run(scenario()) == {"type": "websocket.close", "code": 4401}

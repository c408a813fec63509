"""Issue 15, finding 1: staff is not operator; rights are model permissions.

A staff account with no permissions read every user's phone number and every
transaction, notified every driver, added a tag to another driver's account
(so that driver paid for its charges) and blocked the superuser. Each attack
is replayed here as that account and must be refused with nothing stored.
Then the same requests from a Support member (may read, may not write), from
an Operators member (may, except against a superuser), and the admin's side:
only a superuser changes a superuser or grants rights.
"""

import asyncio
import datetime

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.enums import UserStatus
from accounts.models import IdTag, Notification, User
from accounts.services import user_create
from chargepoints.models import Transaction
from chargepoints.services.live import transaction_group, transaction_live
from csms.api.permissions import holds
from csms.asgi import application
from tests.problems import fields_at_fault
from tests.rights import OPERATORS, SUPPORT, group, user_in_group
from tests.tokens import api_as, token_for
from tests.waiting import DEADLINE

API = "/api/v1"
PASSWORD = "correct horse 42"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    """What the review used: the staff flag, no permission, no group."""
    return user_create(username="staff", password=PASSWORD, is_staff=True)


@pytest.fixture
def support(db):
    return user_in_group(SUPPORT, username="support", password=PASSWORD, is_staff=True)


@pytest.fixture
def operator(db):
    return user_in_group(OPERATORS, username="operator", password=PASSWORD, is_staff=True)


@pytest.fixture
def root(db):
    return user_create(username="root", password=PASSWORD, is_staff=True, is_superuser=True)


@pytest.fixture
def victim(driver, chargepoint, connector):
    """A driver with a phone number and a transaction: what the attacks were after."""
    Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_token="VICTIM-TAG",
        start_transaction_timestamp=timezone.now() - datetime.timedelta(hours=1),
    )
    return driver


def notify_everyone(client):
    return client.post(
        f"{API}/notifications/",
        {"user": None, "type": "GENERAL", "title": "Free charging", "message": "Click here"},
        format="json",
    )


def tag_for(client, user, token: str = "ATTACKER-CARD"):
    return client.post(f"{API}/id-tags/", {"id_token": token, "user": user.pk}, format="json")


def block(client, user):
    return client.patch(f"{API}/users/{user.pk}/", {"status": "BLOCKED"}, format="json")


# -- the attacks, as a staff account without permissions ------------------------


def test_staff_cannot_read_users_phone_numbers(staff, victim):
    client = api_as(staff)

    listed = client.get(f"{API}/users/")
    one = client.get(f"{API}/users/{victim.pk}/")

    assert (listed.status_code, one.status_code) == (403, 403)
    assert str(victim.phone_number) not in listed.content.decode() + one.content.decode()


def test_staff_cannot_read_other_drivers_transactions(staff, victim):
    client = api_as(staff)
    tx = Transaction.objects.get()

    listed = client.get(f"{API}/transactions/")

    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert client.get(f"{API}/transactions/{tx.pk}/").status_code == 404
    assert client.get(f"{API}/transactions/{tx.pk}/meter-values/").status_code == 404
    assert client.get(f"{API}/users/{victim.pk}/energy/").status_code == 403


def test_staff_cannot_notify_every_driver(staff, victim):
    response = notify_everyone(api_as(staff))

    assert response.status_code == 403
    assert not Notification.objects.exists()


def test_staff_cannot_add_a_tag_to_another_drivers_account(staff, victim):
    response = tag_for(api_as(staff), victim)

    assert response.status_code == 400
    assert fields_at_fault(response) == {"user"}
    assert not IdTag.objects.filter(idToken="ATTACKER-CARD").exists()


def test_staff_cannot_block_the_superuser(staff, root):
    response = block(api_as(staff), root)

    assert response.status_code == 403
    root.refresh_from_db()
    assert root.status == UserStatus.ACTIVE


def test_staff_is_not_called_an_operator(staff):
    assert api_as(staff).get(f"{API}/me/").json()["is_operator"] is False


# -- Support: reads what operators read, writes nothing -------------------------


def test_support_reads_users_and_transactions(support, victim):
    client = api_as(support)
    tx = Transaction.objects.get()

    users = client.get(f"{API}/users/")
    transaction = client.get(f"{API}/transactions/{tx.pk}/")

    assert users.status_code == 200
    assert str(victim.phone_number) in {row["phone_number"] for row in users.json()["results"]}
    assert transaction.status_code == 200
    assert transaction.json()["user"] == victim.pk
    assert client.get(f"{API}/me/").json()["is_operator"] is True


def test_support_changes_nothing(support, victim, root):
    client = api_as(support)
    tag = IdTag.objects.create(idToken="VICTIM-CARD", user=victim)

    assert block(client, victim).status_code == 403
    assert block(client, root).status_code == 403
    assert notify_everyone(client).status_code == 403
    assert tag_for(client, victim).status_code == 400
    # Support sees the card, but blocking a driver's card is changing it.
    assert client.post(f"{API}/id-tags/{tag.pk}/block/").status_code == 403

    victim.refresh_from_db()
    tag.refresh_from_db()
    assert victim.status == UserStatus.ACTIVE
    assert not tag.revoked
    assert not Notification.objects.exists()
    assert not IdTag.objects.filter(idToken="ATTACKER-CARD").exists()


# -- Operators: may do it all, but not to a superuser ---------------------------


def test_an_operator_does_what_the_staff_account_could_not(operator, victim):
    client = api_as(operator)

    assert str(victim.phone_number) in client.get(f"{API}/users/{victim.pk}/").content.decode()
    assert len(client.get(f"{API}/transactions/").json()["results"]) == 1
    assert notify_everyone(client).status_code == 201
    assert tag_for(client, victim, "FLEET-CARD").status_code == 201
    assert block(client, victim).status_code == 200

    victim.refresh_from_db()
    assert victim.status == UserStatus.BLOCKED
    assert IdTag.objects.get(idToken="FLEET-CARD").user == victim
    assert Notification.objects.filter(user=None).count() == 1


def test_an_operator_cannot_block_the_superuser(operator, root):
    response = block(api_as(operator), root)

    assert response.status_code == 403
    root.refresh_from_db()
    assert root.status == UserStatus.ACTIVE


def test_a_superuser_may_block_another_superuser(root):
    other = user_create(username="root-2", password=PASSWORD, is_superuser=True)

    assert block(api_as(root), other).status_code == 200


def test_an_inactive_member_holds_no_rights(operator):
    operator.is_active = False
    operator.save()

    assert not holds(User.objects.get(pk=operator.pk), "accounts.view_user")


# -- the admin: only a superuser changes a superuser or grants rights -----------


def change_form(user: User, **changes) -> dict:
    """A valid POST of the user's change page, with ``changes``."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "phone_number": str(user.phone_number or ""),
        "status": user.status,
    }
    for prefix in ("vehicles", "id_tags"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def admin_user_url(user: User, page: str = "change") -> str:
    return f"/admin/accounts/user/{user.pk}/{page}/"


def test_an_operator_cannot_change_the_superuser_in_the_admin(client, operator, root):
    client.force_login(operator)

    shown = client.get(admin_user_url(root))
    saved = client.post(admin_user_url(root), change_form(root, first_name="Mallory"))
    password = client.post(
        admin_user_url(root, "password"),
        {"password1": "a new password 42", "password2": "a new password 42"},
    )

    # Shown, read-only: operators may look at every account.
    assert shown.status_code == 200
    assert (saved.status_code, password.status_code) == (403, 403)
    root.refresh_from_db()
    assert root.first_name == ""
    assert root.check_password(PASSWORD)


def test_an_operator_cannot_delete_the_superuser_in_the_admin(client, operator, root):
    # Every right deleting the account and what goes with it takes, but superuser.
    operator.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__startswith="delete_"
        )
    )
    client.force_login(User.objects.get(pk=operator.pk))

    response = client.post(admin_user_url(root, "delete"), {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=root.pk).exists()


def test_an_operator_cannot_grant_themselves_rights_in_the_admin(client, operator):
    client.force_login(operator)
    everything = Permission.objects.get(codename="delete_user")
    grab = change_form(
        operator,
        first_name="Op",
        is_superuser="on",
        groups=[group(OPERATORS).pk, group(SUPPORT).pk],
        user_permissions=[everything.pk],
    )

    response = client.post(admin_user_url(operator), grab)

    assert response.status_code == 302, response.content[:2000]
    operator.refresh_from_db()
    assert operator.first_name == "Op"  # the rest of the form was saved
    assert not operator.is_superuser
    assert list(operator.groups.values_list("name", flat=True)) == [OPERATORS]
    assert not operator.user_permissions.exists()


def test_an_operator_cannot_make_a_driver_superuser_in_the_admin(client, operator, driver):
    client.force_login(operator)

    response = client.post(
        admin_user_url(driver), change_form(driver, is_superuser="on", is_staff="on")
    )

    assert response.status_code == 302
    driver.refresh_from_db()
    assert not driver.is_superuser


def test_a_superuser_grants_rights_in_the_admin(client, root, driver):
    client.force_login(root)

    response = client.post(
        admin_user_url(driver),
        change_form(driver, is_staff="on", groups=[group(OPERATORS).pk]),
    )

    assert response.status_code == 302
    assert list(driver.groups.values_list("name", flat=True)) == [OPERATORS]


# -- the live-updates socket: rights lost while it is open -----------------------


@pytest.mark.django_db(transaction=True)
def test_a_socket_stops_streaming_once_its_user_loses_the_right_to_see(
    chargepoint, connector, driver, monkeypatch
):
    monkeypatch.setattr("chargepoints.api.charging.live.RIGHTS_RECHECK_SECONDS", 0.0)
    watcher = user_in_group(SUPPORT, username="watcher", password=PASSWORD)
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        start_transaction_timestamp=timezone.now(),
    )
    token = token_for(watcher)

    async def scenario():
        url = f"/ws/v1/transactions/{tx.pk}/?token={token}"
        socket = WebsocketCommunicator(application, url)
        assert (await socket.connect(timeout=DEADLINE))[0]
        await socket.receive_json_from(timeout=DEADLINE)  # the snapshot
        update = await database_sync_to_async(transaction_live)(tx)
        await get_channel_layer().group_send(transaction_group(tx.pk), update)
        streamed = await socket.receive_json_from(timeout=DEADLINE)
        await database_sync_to_async(watcher.groups.clear)()  # leaves Support
        await get_channel_layer().group_send(transaction_group(tx.pk), update)
        return streamed, await socket.receive_output(timeout=DEADLINE)

    streamed, after = asyncio.run(scenario())

    assert streamed["transaction_id"] == tx.pk
    assert after == {"type": "websocket.close", "code": 4403}

"""user_note: a driver's live sockets hear that something of theirs changed, once committed."""

import asyncio
import logging

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from accounts.enums import NotificationType
from accounts.services import notification_create
from accounts.services.live import (
    EVERYONE_GROUP,
    NOTIFICATION,
    SESSION,
    user_group,
    user_note,
)
from chargepoints.services.live import live_outbox
from tests.waiting import DEADLINE

pytestmark = pytest.mark.django_db(transaction=True)


def heard(group: str, work) -> dict:
    """The first message ``group`` receives once ``work`` ran (in a thread, as a service does)."""

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await database_sync_to_async(work)()
        return await asyncio.wait_for(layer.receive(channel), DEADLINE)

    return asyncio.run(scenario())


def test_a_committed_note_reaches_the_users_group():
    def work():
        with transaction.atomic():
            user_note(user_id=7, what=SESSION, id="S-1")

    message = heard(user_group(7), work)
    assert message == {"type": "user.notes", "notes": [{"what": "session", "id": "S-1"}]}


def test_a_rolled_back_note_is_never_sent():
    class RolledBack(Exception):
        pass

    def work():
        try:
            with transaction.atomic():
                user_note(user_id=7, what=SESSION, id="ROLLED-BACK")
                raise RolledBack
        except RolledBack:
            pass
        # Committed after the one rolled back: the first thing heard must be this.
        with transaction.atomic():
            user_note(user_id=7, what=SESSION, id="COMMITTED")

    message = heard(user_group(7), work)
    assert message["notes"] == [{"what": "session", "id": "COMMITTED"}]


def test_a_note_waits_for_the_outermost_commit(monkeypatch):
    sent = []

    async def record(group, message):
        sent.append((group, message))

    monkeypatch.setattr(get_channel_layer(), "group_send", record)
    with transaction.atomic():
        with transaction.atomic():
            user_note(user_id=7, what=SESSION, id="INNER")
        assert sent == []  # a savepoint released is not a commit
    assert sent == [
        (user_group(7), {"type": "user.notes", "notes": [{"what": "session", "id": "INNER"}]})
    ]


def test_without_a_user_nothing_is_noted(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "accounts.services.live.group_send_on_commit", lambda **kwargs: sent.append(kwargs)
    )
    user_note(user_id=None, what=SESSION, id="S-1")
    assert sent == []


def test_an_unknown_kind_of_note_is_a_programming_error():
    with pytest.raises(ValueError):
        user_note(user_id=1, what="sessions", id="S-1")


def test_a_failing_channel_layer_is_logged_and_never_raised(monkeypatch, caplog):
    layer = get_channel_layer()

    async def broken(group, message):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(layer, "group_send", broken)
    with caplog.at_level(logging.ERROR), transaction.atomic():
        user_note(user_id=7, what=SESSION, id="S-1")
    # The caller's commit went through; the failure is in the log.
    assert "not sent" in caplog.text
    assert "Redis is down" in caplog.text


def test_in_a_gateway_batch_a_users_notes_leave_as_one_message_each_once():
    with live_outbox() as outbox, transaction.atomic():
        user_note(user_id=7, what=SESSION, id="S-1")
        user_note(user_id=7, what=SESSION, id="S-1")
        user_note(user_id=7, what=NOTIFICATION, id=12)
        user_note(user_id=8, what=SESSION, id="S-2")
        assert outbox == {}  # not before the commit
    assert outbox[user_group(7)] == {
        "type": "user.notes",
        "notes": [{"what": "session", "id": "S-1"}, {"what": "notification", "id": "12"}],
    }
    assert outbox[user_group(8)]["notes"] == [{"what": "session", "id": "S-2"}]


def test_a_batch_rolled_back_collects_nothing():
    with live_outbox() as outbox:
        try:
            with transaction.atomic():
                user_note(user_id=7, what=SESSION, id="S-1")
                raise RuntimeError
        except RuntimeError:
            pass
    assert outbox == {}


def test_a_notification_notes_its_driver(driver):
    def work():
        notification_create(user=driver, type=NotificationType.GENERAL, title="Hello", message="Hi")

    message = heard(user_group(driver.pk), work)
    assert message["notes"][0]["what"] == "notification"
    assert driver.notifications.get().pk == int(message["notes"][0]["id"])


def test_a_notification_to_everyone_is_one_note_to_every_socket(driver):
    def work():
        notification_create(user=None, type=NotificationType.GENERAL, title="All", message="Hi")

    message = heard(EVERYONE_GROUP, work)
    assert message["notes"][0]["what"] == "notification"

"""notifications/: a driver's own and those to everyone, read per user."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Notification, User
from accounts.services import notification_create, user_create
from tests.problems import fields_at_fault
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

NOTIFICATIONS = "/api/v1/notifications/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def other(db) -> User:
    return user_create(username="other", password="x")


@pytest.fixture
def operator(db) -> User:
    return user_in_group(OPERATORS, username="operator")


@pytest.fixture
def api(driver):
    return client_for(driver)


def notify(user, title="Hello", type="GENERAL") -> Notification:
    return notification_create(user=user, type=type, title=title, message="...")


def titles(response) -> list[str]:
    return [n["title"] for n in response.json()["results"]]


def test_an_anonymous_caller_gets_401(db):
    assert APIClient().get(NOTIFICATIONS).status_code == 401
    assert APIClient().post(f"{NOTIFICATIONS}read-all/").status_code == 401


def test_a_driver_sees_their_own_and_everyones_notifications_newest_first(api, driver, other):
    notify(driver, "Mine")
    notify(other, "Theirs")
    notify(None, "Everyone")

    response = api.get(NOTIFICATIONS)

    assert response.status_code == 200
    assert titles(response) == ["Everyone", "Mine"]
    first = response.json()["results"][0]
    assert set(first) == {
        "id",
        "user",
        "type",
        "title",
        "message",
        "transaction_id",
        "read",
        "created_at",
    }
    assert (first["user"], first["read"]) == (None, False)


def test_a_driver_cannot_read_another_drivers_notification(api, other):
    theirs = notify(other, "Theirs")

    assert api.get(f"{NOTIFICATIONS}{theirs.pk}/").status_code == 404
    assert api.post(f"{NOTIFICATIONS}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_a_driver_marks_a_notification_read(api, driver):
    mine = notify(driver, "Mine")

    response = api.post(f"{NOTIFICATIONS}{mine.pk}/read/")

    assert response.status_code == 200
    assert response.json()["read"] is True
    assert api.get(f"{NOTIFICATIONS}{mine.pk}/").json()["read"] is True
    mine.refresh_from_db()
    assert mine.is_read


def test_reading_a_notification_to_everyone_marks_it_for_that_driver_only(api, driver, other):
    everyone = notify(None, "Everyone")

    api.post(f"{NOTIFICATIONS}{everyone.pk}/read/")

    assert api.get(f"{NOTIFICATIONS}{everyone.pk}/").json()["read"] is True
    assert client_for(other).get(f"{NOTIFICATIONS}{everyone.pk}/").json()["read"] is False


def test_a_driver_marks_everything_read_at_once(api, driver, other):
    notify(driver, "One")
    notify(driver, "Two")
    notify(None, "Everyone")
    theirs = notify(other, "Theirs")

    response = api.post(f"{NOTIFICATIONS}read-all/")

    assert response.status_code == 200
    assert response.json() == {"marked": 3}
    assert api.get(NOTIFICATIONS, {"read": "false"}).json()["results"] == []
    assert api.post(f"{NOTIFICATIONS}read-all/").json() == {"marked": 0}
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_notifications_filter_by_read_and_type_and_order_by_age(api, driver):
    read = notify(driver, "Read", type="CHARGING_STARTED")
    notify(driver, "Unread", type="CHARGING_STOPPED")
    api.post(f"{NOTIFICATIONS}{read.pk}/read/")

    assert titles(api.get(NOTIFICATIONS, {"read": "true"})) == ["Read"]
    assert titles(api.get(NOTIFICATIONS, {"read": "false"})) == ["Unread"]
    assert titles(api.get(NOTIFICATIONS, {"type": "CHARGING_STARTED"})) == ["Read"]
    assert titles(api.get(NOTIFICATIONS, {"ordering": "created_at"})) == ["Read", "Unread"]


@pytest.mark.parametrize("query", [{"type": "SPAM"}, {"read": "perhaps"}])
def test_bad_filters_are_answered_400(api, query):
    response = api.get(NOTIFICATIONS, query)

    assert response.status_code == 400
    assert fields_at_fault(response) == set(query)


@pytest.mark.parametrize("path", ["999999/", f"{10**30}/", "abc/", "999999/read/"])
def test_an_unknown_notification_is_404(api, path):
    response = api.get(f"{NOTIFICATIONS}{path}")
    if path.endswith("read/"):
        response = api.post(f"{NOTIFICATIONS}{path}")

    assert response.status_code == 404


def test_an_operator_sends_a_notification_to_a_driver(operator, driver):
    response = client_for(operator).post(
        NOTIFICATIONS,
        {"user": driver.pk, "type": "GENERAL", "title": "Hi", "message": "Welcome"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["user"], body["title"], body["read"]) == (driver.pk, "Hi", False)
    stored = Notification.objects.get()
    assert (stored.user, stored.message) == (driver, "Welcome")
    assert titles(client_for(driver).get(NOTIFICATIONS)) == ["Hi"]


def test_an_operator_sends_a_notification_to_everyone(operator, driver, other):
    response = client_for(operator).post(
        NOTIFICATIONS,
        {"user": None, "type": "SYSTEM_MAINTENANCE", "title": "Down", "message": "Sunday"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["user"] is None
    assert titles(client_for(driver).get(NOTIFICATIONS)) == ["Down"]
    assert titles(client_for(other).get(NOTIFICATIONS)) == ["Down"]


def test_a_driver_cannot_send_notifications(api, other):
    response = api.post(
        NOTIFICATIONS,
        {"user": other.pk, "type": "GENERAL", "title": "Spam", "message": "..."},
        format="json",
    )

    assert response.status_code == 403
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"type": "GENERAL", "title": "No recipient given", "message": "."},
        {"user": None, "type": "SPAM", "title": "t", "message": "."},
        {"user": None, "type": "GENERAL", "title": "", "message": "."},
        {"user": None, "type": "GENERAL", "title": "t" * 201, "message": "."},
        {"user": None, "type": "GENERAL", "title": "t", "message": "m" * 4001},
        {"user": 999999, "type": "GENERAL", "title": "t", "message": "."},
        {"user": True, "type": "GENERAL", "title": "t", "message": "."},
        {"user": None, "type": "GENERAL", "title": ["t"], "message": "."},
    ],
)
def test_invalid_notifications_are_refused_per_field(operator, body):
    response = client_for(operator).post(NOTIFICATIONS, body, format="json")

    assert response.status_code == 400
    assert fields_at_fault(response) <= {"user", "type", "title", "message"}
    assert not Notification.objects.exists()


def test_a_body_that_is_no_object_is_refused(operator):
    response = client_for(operator).generic(
        "POST", NOTIFICATIONS, "[1]", content_type="application/json"
    )

    assert response.status_code == 400

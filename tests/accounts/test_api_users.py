"""users/: operators find users and block, expire or reinstate them."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_create
from tests.problems import field_errors
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

USERS = "/api/v1/users/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def operator(db) -> User:
    # Staff too: the is_staff filter below finds them.
    return user_in_group(OPERATORS, username="operator", is_staff=True)


@pytest.fixture
def api(operator):
    return client_for(operator)


@pytest.fixture
def other(db) -> User:
    return user_create(
        username="other", password="x", phone_number="+66899999999", first_name="Malee"
    )


def usernames(response) -> list[str]:
    return [u["username"] for u in response.json()["results"]]


def test_an_anonymous_caller_gets_401(db):
    assert APIClient().get(USERS).status_code == 401


def test_a_driver_gets_403_everywhere(driver, other):
    client = client_for(driver)

    assert client.get(USERS).status_code == 403
    assert client.get(f"{USERS}{other.pk}/").status_code == 403
    assert client.patch(f"{USERS}{other.pk}/", {"status": "BLOCKED"}).status_code == 403
    other.refresh_from_db()
    assert other.status == "ACTIVE"


def test_an_operator_lists_users(api, driver, other):
    response = api.get(USERS)

    assert response.status_code == 200
    assert usernames(response) == ["driver", "operator", "other"]
    driver_row = response.json()["results"][0]
    assert driver_row["phone_number"] == "+66812345678"
    assert driver_row["is_operator"] is False


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "0812345"}, []),
        ({"q": "812345"}, ["driver"]),
        ({"q": "+6689"}, ["other"]),
        ({"q": "OPER"}, ["operator"]),
        ({"q": "malee"}, ["other"]),
        ({"is_staff": "true"}, ["operator"]),
        ({"is_staff": "false"}, ["driver", "other"]),
        ({"status": "BLOCKED"}, ["other"]),
        ({"ordering": "-username"}, ["other", "operator", "driver"]),
    ],
)
def test_an_operator_finds_users(api, driver, other, query, expected):
    other.status = "BLOCKED"
    other.save()

    assert usernames(api.get(USERS, query)) == expected


@pytest.mark.parametrize("query", [{"status": "GONE"}, {"is_staff": "maybe"}, {"q": "x" * 101}])
def test_bad_filters_are_answered_400(api, query):
    response = api.get(USERS, query)

    assert response.status_code == 400
    assert set(field_errors(response)) == set(query)


def test_an_operator_reads_one_user(api, other):
    response = api.get(f"{USERS}{other.pk}/")

    assert response.status_code == 200
    assert response.json()["first_name"] == "Malee"


def test_an_unknown_user_is_404(api):
    assert api.get(f"{USERS}999999/").status_code == 404
    assert api.patch(f"{USERS}999999/", {"status": "BLOCKED"}).status_code == 404


def test_blocking_a_user_stops_their_token_at_once(api, driver):
    drivers_app = client_for(driver)
    assert drivers_app.get("/api/v1/me/").status_code == 200

    response = api.patch(f"{USERS}{driver.pk}/", {"status": "BLOCKED"})

    assert response.status_code == 200
    assert response.json()["status"] == "BLOCKED"
    driver.refresh_from_db()
    assert driver.status == "BLOCKED"
    refused = drivers_app.get("/api/v1/me/")
    assert refused.status_code == 401
    # Revoked, not only refused (issue 15): unblocking will not bring it back.
    assert refused.json()["code"] == "token_invalid"


def test_a_blocked_user_is_reinstated(api, driver):
    driver.status = "EXPIRED"
    driver.save()

    response = api.patch(f"{USERS}{driver.pk}/", {"status": "ACTIVE"})

    assert response.status_code == 200
    assert client_for(driver).get("/api/v1/me/").status_code == 200


def test_only_the_status_changes(api, driver):
    response = api.patch(
        f"{USERS}{driver.pk}/", {"username": "renamed", "is_staff": True, "status": "EXPIRED"}
    )

    assert response.status_code == 200
    driver.refresh_from_db()
    assert (driver.username, driver.is_staff, driver.status) == ("driver", False, "EXPIRED")


@pytest.mark.parametrize("status", ["GONE", "", None, ["BLOCKED"], 1])
def test_an_unknown_status_is_refused(api, driver, status):
    response = api.patch(f"{USERS}{driver.pk}/", {"status": status}, format="json")

    assert response.status_code == 400
    assert set(field_errors(response)) == {"status"}


def test_an_operator_cannot_lock_themselves_out(api, operator):
    response = api.patch(f"{USERS}{operator.pk}/", {"status": "BLOCKED"})

    assert response.status_code == 400
    assert set(field_errors(response)) == {"status"}
    operator.refresh_from_db()
    assert operator.status == "ACTIVE"


def test_put_and_delete_are_not_offered(api, driver):
    assert api.put(f"{USERS}{driver.pk}/", {"status": "BLOCKED"}).status_code == 405
    assert api.delete(f"{USERS}{driver.pk}/").status_code == 405
    assert User.objects.filter(pk=driver.pk).exists()

"""POST auth/login/, auth/logout/, auth/register/."""

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Profile, User
from tests.problems import field_errors

PASSWORD = "correct horse 42"
LOGIN = "/api/v1/auth/login/"
LOGOUT = "/api/v1/auth/logout/"
REGISTER = "/api/v1/auth/register/"
ME = "/api/v1/me/"
BAD_CREDENTIALS = {"non_field_errors": ["Unable to log in with the provided credentials."]}


@pytest.fixture
def api():
    return APIClient()


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# -- logging in ----------------------------------------------------------------


def test_a_driver_logs_in_with_their_phone_number_and_gets_a_token_that_works(api, driver):
    response = api.post(LOGIN, {"phone_number": "+66812345678", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert AuthToken.objects.get(user=driver).token_key == body["token"][:15]
    expiry = datetime.datetime.fromisoformat(body["expiry"])
    assert expiry - timezone.now() > datetime.timedelta(days=29)  # CSMS_TOKEN_TTL_DAYS
    assert body["user"]["id"] == driver.pk
    assert body["user"]["phone_number"] == "+66812345678"
    assert with_token(body["token"]).get(ME).json()["id"] == driver.pk


def test_a_driver_logs_in_with_their_username(api, driver):
    response = api.post(LOGIN, {"username": "driver", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["user"]["username"] == "driver"


def test_the_number_may_be_written_with_spaces(api, driver):
    response = api.post(LOGIN, {"phone_number": "+66 81 234 5678", "password": PASSWORD})

    assert response.status_code == 200


def test_logging_in_on_another_device_gives_it_a_token_of_its_own(api, driver):
    first = api.post(LOGIN, {"username": "driver", "password": PASSWORD}).json()["token"]
    second = api.post(LOGIN, {"username": "driver", "password": PASSWORD}).json()["token"]

    assert first != second
    assert with_token(first).get(ME).status_code == 200
    assert with_token(second).get(ME).status_code == 200


def test_logging_in_records_the_login_time(api, driver):
    api.post(LOGIN, {"username": "driver", "password": PASSWORD})

    driver.refresh_from_db()
    assert driver.last_login is not None


@pytest.mark.parametrize(
    "credentials",
    [
        {"phone_number": "+66812345678", "password": "wrong"},
        {"phone_number": "+66899999999", "password": PASSWORD},
        {"phone_number": "not a number", "password": PASSWORD},
        {"username": "driver", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
    ],
)
def test_wrong_credentials_are_refused_without_saying_which_part_was_wrong(
    api, driver, credentials
):
    response = api.post(LOGIN, credentials)

    assert response.status_code == 400
    assert field_errors(response) == BAD_CREDENTIALS
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize(
    "status, word, message",
    [
        ("BLOCKED", "blocked", "This account is blocked."),
        ("EXPIRED", "expired", "This account has expired."),
    ],
)
def test_a_blocked_or_expired_driver_with_the_right_password_is_told_why(
    api, driver, status, word, message
):
    driver.status = status
    driver.save()

    by_phone = api.post(LOGIN, {"phone_number": "+66812345678", "password": PASSWORD})
    by_name = api.post(LOGIN, {"username": "driver", "password": PASSWORD})

    assert by_phone.status_code == by_name.status_code == 403
    assert by_phone.json()["detail"] == by_name.json()["detail"] == message
    assert by_phone.json()["code"] == by_name.json()["code"] == f"account_{word}"
    assert not AuthToken.objects.exists()


def test_a_blocked_account_is_not_revealed_to_a_wrong_password(api, driver):
    driver.status = "BLOCKED"
    driver.save()

    response = api.post(LOGIN, {"phone_number": "+66812345678", "password": "guess"})

    assert response.status_code == 400
    assert field_errors(response) == BAD_CREDENTIALS


def test_the_password_is_required(api, driver):
    response = api.post(LOGIN, {"phone_number": "+66812345678"})

    assert response.status_code == 400
    assert set(field_errors(response)) == {"password"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": 42, "password": PASSWORD}, "username"),
        ({"username": "driver", "password": 42}, "password"),
    ],
)
def test_a_number_where_text_is_expected_is_a_field_error(api, driver, body, field):
    # As in every API of the project (csms.api.fields): 42 is not read as "42".
    response = api.post(LOGIN, body, format="json")

    assert response.status_code == 400
    assert set(field_errors(response)) == {field}


@pytest.mark.parametrize(
    "body",
    [
        {"password": PASSWORD},
        {"phone_number": "+66812345678", "username": "driver", "password": PASSWORD},
    ],
)
def test_exactly_one_of_phone_number_and_username_is_needed(api, driver, body):
    response = api.post(LOGIN, body)

    assert response.status_code == 400
    assert set(field_errors(response)) == {"non_field_errors"}


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ('["+66812345678", "correct horse 42"]', "application/json"),
        ('{"username": ["driver"], "password": 42}', "application/json"),
        ('{"username": "' + "x" * 100_000 + '", "password": "x"}', "application/json"),
    ],
)
def test_malformed_login_bodies_are_answered_400(api, driver, body, content_type):
    response = api.generic("POST", LOGIN, body, content_type=content_type)

    assert response.status_code == 400


@pytest.fixture
def throttle_clock_stopped(monkeypatch):
    """Every request at the same instant: eleven of them fit in a minute however slow."""
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_800_000_000.0)


def test_login_attempts_are_throttled(api, driver, throttle_clock_stopped, settings):
    # The "login" rate is 10 per minute per client address (settings); the
    # lock-out after failed logins (tests/security/test_login_lockout.py) aside.
    settings.AXES_FAILURE_LIMIT = 1000
    for _ in range(10):
        assert api.post(LOGIN, {"username": "driver", "password": "wrong"}).status_code == 400

    response = api.post(LOGIN, {"username": "driver", "password": PASSWORD})

    assert response.status_code == 429
    assert "detail" in response.json()


# -- logging out ---------------------------------------------------------------


def test_logging_out_revokes_the_token(api, driver):
    key = api.post(LOGIN, {"username": "driver", "password": PASSWORD}).json()["token"]
    client = with_token(key)

    response = client.post(LOGOUT)

    assert response.status_code == 204
    assert response.content == b""
    assert not AuthToken.objects.filter(user=driver).exists()
    assert client.get(ME).status_code == 401


def test_logging_out_ends_a_session_login(driver):
    client = APIClient()
    client.force_login(driver)
    assert client.get(ME).status_code == 200

    assert client.post(LOGOUT).status_code == 204

    assert client.get(ME).status_code == 401


def test_an_anonymous_caller_cannot_log_out(api):
    response = api.post(LOGOUT)

    assert response.status_code == 401
    assert "detail" in response.json()


# -- registering ---------------------------------------------------------------


def test_a_driver_registers_with_their_phone_number_and_is_logged_in(api, db):
    response = api.post(
        REGISTER,
        {
            "phone_number": "+66 81 111 2222",
            "password": "a long enough secret",
            "first_name": "Somchai",
            "email": "somchai@example.com",
        },
    )

    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(phone_number="+66811112222")
    assert body["user"]["id"] == user.pk
    assert body["user"]["username"] == "+66811112222"
    assert body["user"]["status"] == "ACTIVE"
    assert AuthToken.objects.get(user=user).token_key == body["token"][:15]
    assert body["expiry"]
    assert with_token(body["token"]).get(ME).json()["id"] == user.pk
    assert user.first_name == "Somchai"
    assert user.check_password("a long enough secret")
    assert Profile.objects.filter(user=user).exists()
    login = api.post(LOGIN, {"phone_number": "+66811112222", "password": "a long enough secret"})
    assert login.status_code == 200


def test_a_local_number_is_read_in_the_configured_region(api, db, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "TH"

    response = api.post(
        REGISTER, {"phone_number": "081 111 2222", "password": "a long enough secret"}
    )

    assert response.status_code == 201
    assert response.json()["user"]["phone_number"] == "+66811112222"


def test_a_number_can_be_registered_only_once(api, driver):
    response = api.post(
        REGISTER, {"phone_number": "+66812345678", "password": "a long enough secret"}
    )

    assert response.status_code == 400
    assert set(field_errors(response)) == {"phone_number"}
    assert User.objects.count() == 1


def test_a_number_used_as_someone_elses_username_is_taken_too(api, db):
    User.objects.create_user(username="+66811112222", password="x")

    response = api.post(
        REGISTER, {"phone_number": "+66811112222", "password": "a long enough secret"}
    )

    assert response.status_code == 400
    assert set(field_errors(response)) == {"phone_number"}


@pytest.mark.parametrize("number", ["12345", "0812345678", "not a number", ""])
def test_an_invalid_phone_number_is_refused(api, db, number):
    response = api.post(REGISTER, {"phone_number": number, "password": "a long enough secret"})

    assert response.status_code == 400
    assert set(field_errors(response)) == {"phone_number"}


@pytest.mark.parametrize("password", ["short", "12345678901", "password123", "+66811112222"])
def test_a_weak_password_is_refused_with_the_validators_messages(api, db, password):
    response = api.post(REGISTER, {"phone_number": "+66811112222", "password": password})

    assert response.status_code == 400
    assert set(field_errors(response)) == {"password"}
    assert field_errors(response)["password"]
    assert not User.objects.exists()


def test_registration_reports_every_field_at_fault(api, driver):
    response = api.post(
        REGISTER, {"phone_number": "+66812345678", "password": "123", "email": "nope"}
    )

    assert response.status_code == 400
    assert set(field_errors(response)) == {"email"}  # shape errors first, then the service's

    response = api.post(REGISTER, {"phone_number": "+66812345678", "password": "123"})
    assert set(field_errors(response)) == {"phone_number", "password"}


def test_registrations_are_throttled_like_logins(api, db, throttle_clock_stopped):
    for n in range(10):
        api.post(REGISTER, {"phone_number": f"+6681111222{n}", "password": "short"})

    response = api.post(
        REGISTER, {"phone_number": "+66811113333", "password": "a long enough secret"}
    )

    assert response.status_code == 429

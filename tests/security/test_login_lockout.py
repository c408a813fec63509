"""Finding 4: password guessing was throttled per X-Forwarded-For, which the guesser wrote.

A new X-Forwarded-For on each request made each guess a new client, and the
admin login had no limit at all. Client addresses now come from
CSMS_TRUSTED_PROXIES (csms/clients.py) everywhere, and a client that fails to
log in AXES_FAILURE_LIMIT times is locked out, right password or not, at the
API and at the admin alike; the lock-out is logged.
"""

import logging

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import user_create
from csms.clients import client_address, scope_client_address

PASSWORD = "correct horse 42"
LOGIN = "/api/v1/auth/login/"
LIMIT = 3


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def operator(db):
    return user_create(username="ops", password=PASSWORD, is_staff=True, is_superuser=True)


def _api_login(client, password: str, forwarded_for: str | None = None, **extra):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(
        LOGIN, {"phone_number": "+66812345678", "password": password}, **headers, **extra
    )


def test_a_new_forwarded_for_on_each_guess_does_not_reset_the_count(driver):
    api = APIClient()
    for guess in range(LIMIT - 1):
        assert _api_login(api, f"guess {guess}", f"203.0.113.{guess}").status_code == 400
    assert _api_login(api, "last guess", "203.0.113.50").status_code == 429

    response = _api_login(api, PASSWORD, "203.0.113.99")

    assert response.status_code == 429
    assert "Too many failed logins" in response.json()["detail"]
    assert "token" not in response.json()
    assert int(response["Retry-After"]) > 0


def test_the_admin_login_locks_out_too(operator, caplog):
    browser = Client()
    for guess in range(LIMIT - 1):
        page = browser.post("/admin/login/", {"username": "ops", "password": f"guess {guess}"})
        assert page.status_code == 200  # the form again, with its error
    with caplog.at_level(logging.WARNING, logger="axes"):
        browser.post("/admin/login/", {"username": "ops", "password": "last guess"})
    page = browser.post("/admin/login/", {"username": "ops", "password": PASSWORD})

    assert page.status_code == 429
    assert "Too many failed logins" in page.content.decode()
    assert "_auth_user_id" not in browser.session
    # Logged, with the address, and listed for operators in the admin.
    assert any(
        "Locking out" in record.getMessage() and "127.0.0.1" in record.getMessage()
        for record in caplog.records
    )
    assert AccessAttempt.objects.filter(ip_address="127.0.0.1").exists()


def test_a_locked_out_client_cannot_learn_that_an_account_is_blocked(driver):
    api = APIClient()
    for guess in range(LIMIT):
        _api_login(api, f"guess {guess}")
    driver.status = "BLOCKED"
    driver.save()

    response = _api_login(api, PASSWORD)

    assert response.status_code == 429
    assert "blocked" not in response.content.decode().lower()


def test_guesses_against_a_blocked_account_count(driver):
    driver.status = "BLOCKED"
    driver.save()
    api = APIClient()
    for guess in range(LIMIT):
        _api_login(api, f"guess {guess}")

    assert _api_login(api, PASSWORD).status_code == 429


def test_behind_trusted_proxies_each_client_is_counted_on_its_own(settings, driver):
    settings.CSMS_TRUSTED_PROXIES = 1
    api = APIClient()
    # The proxy appends the address it saw; what the client wrote before it is ignored.
    for guess in range(LIMIT):
        _api_login(api, f"guess {guess}", f"198.51.100.{guess}, 203.0.113.7")

    assert _api_login(api, PASSWORD, "9.9.9.9, 203.0.113.7").status_code == 429
    assert _api_login(api, PASSWORD, "203.0.113.8").status_code == 200


@pytest.mark.parametrize(
    "proxies, forwarded_for, expected",
    [
        (0, "203.0.113.7", "192.0.2.1"),  # no proxy trusted: the header is the client's own
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a forged entry to the left
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer hops than proxies
        (1, "not-an-address", "192.0.2.1"),
        (1, None, "192.0.2.1"),
    ],
)
def test_the_client_address_is_what_the_outermost_trusted_proxy_saw(
    settings, proxies, forwarded_for, expected
):
    settings.CSMS_TRUSTED_PROXIES = proxies
    assert client_address("192.0.2.1", forwarded_for) == expected


def test_a_charger_behind_a_trusted_proxy_is_recorded_with_its_own_address(settings):
    settings.CSMS_TRUSTED_PROXIES = 1
    scope = {"client": ("10.0.0.2", 51000), "headers": [(b"x-forwarded-for", b"203.0.113.7")]}
    assert scope_client_address(scope) == "203.0.113.7"
    settings.CSMS_TRUSTED_PROXIES = 0
    assert scope_client_address(scope) == "10.0.0.2"


def test_the_login_throttle_counts_per_address_not_per_forwarded_for(settings, driver):
    settings.AXES_FAILURE_LIMIT = 1000  # the throttle alone, here
    api = APIClient()
    statuses = [
        _api_login(api, f"guess {guess}", f"203.0.113.{guess}").status_code for guess in range(11)
    ]
    assert statuses == [400] * 10 + [429]  # CSMS_THROTTLE_LOGIN: 10/min


def test_logging_in_to_ones_own_account_does_not_clear_the_guesses(driver):
    user_create(username="guesser", password="guesser password 42")
    api = APIClient()
    for _ in range(3):  # rounds: each a guess or two, then one's own login
        for guess in range(LIMIT - 1):
            _api_login(api, f"guess {guess}")
        api.post(LOGIN, {"username": "guesser", "password": "guesser password 42"})

    assert _api_login(api, PASSWORD).status_code == 429


def test_the_usernames_tried_are_not_kept(driver, caplog):
    typed = "Hunter2-typed-in-the-wrong-field"
    with caplog.at_level(logging.INFO, logger="axes"):
        APIClient().post(LOGIN, {"username": typed, "password": "x"})

    assert AccessAttempt.objects.filter(ip_address="127.0.0.1").exists()
    assert not AccessAttempt.objects.filter(username__contains="Hunter2").exists()
    assert typed not in caplog.text

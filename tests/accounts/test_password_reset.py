"""POST auth/password-reset/ and its confirm/: a forgotten password (issue 18, finding 9)."""

import datetime
import logging
import re

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import PasswordResetCode, User
from accounts.senders import OutboxSender, sms_wait
from accounts.services import user_create
from tests.tokens import app, token_for

RESET = "/api/v1/auth/password-reset/"
CONFIRM = "/api/v1/auth/password-reset/confirm/"
LOGIN = "/api/v1/auth/login/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"
NUMBER = "+66812345678"  # the `driver` fixture's
OLD_PASSWORD = "correct horse 42"
NEW_PASSWORD = "a brand new horse 43"


class FailingSender:
    def send(self, to: str, text: str) -> None:
        raise ConnectionError("the provider is down")


@pytest.fixture(autouse=True)
def outbox():
    OutboxSender.outbox.clear()
    yield OutboxSender.outbox
    sms_wait()
    OutboxSender.outbox.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def throttle_clock_stopped(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_800_000_000.0)


def sent(outbox) -> list:
    sms_wait()
    return list(outbox)


def code_sent(outbox, number: str = NUMBER) -> str:
    messages = [message for message in sent(outbox) if message.to == number]
    assert messages, f"no message to {number}"
    return re.search(r"\b\d{6}\b", messages[-1].text).group()


@pytest.fixture
def ask_code(django_capture_on_commit_callbacks):
    """Ask for a code; the message leaves once the test's transaction would have committed."""

    def ask(api, number: str = NUMBER, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(RESET, {"phone_number": number}, **headers)

    return ask


def confirm(api, code: str, password: str = NEW_PASSWORD, number: str = NUMBER):
    return api.post(CONFIRM, {"phone_number": number, "code": code, "new_password": password})


def field_errors(response) -> dict:
    body = response.json()
    return {(error["field"], error["code"]) for error in body["errors"]}


# -- the journey ------------------------------------------------------------------


def test_a_driver_gets_a_code_by_sms_and_sets_a_new_password_with_it(api, ask_code, driver, outbox):
    response = ask_code(api)

    assert response.status_code == 202
    assert response.json() == {
        "detail": "If an account has this number, a code is on its way.",
        "code_length": 6,
        "expires_in": 600,
    }
    [message] = sent(outbox)
    assert message.to == NUMBER
    assert "expires in 10 minutes" in message.text

    answer = confirm(api, code_sent(outbox))

    assert answer.status_code == 200
    body = answer.json()
    assert body["user"]["id"] == driver.pk
    assert app(body["token"]).get(ME).status_code == 200
    assert api.post(LOGIN, {"username": "driver", "password": NEW_PASSWORD}).status_code == 200
    assert api.post(LOGIN, {"username": "driver", "password": OLD_PASSWORD}).status_code == 400


def test_only_a_hash_of_the_code_is_stored(api, ask_code, driver, outbox):
    ask_code(api)
    code = code_sent(outbox)

    row = PasswordResetCode.objects.get(user=driver)

    assert code not in row.code_hash
    assert row.sent_to == NUMBER
    assert row.expires_at - row.created_at == datetime.timedelta(minutes=10)


def test_the_code_length_is_configurable(api, ask_code, driver, outbox, settings):
    settings.CSMS_PASSWORD_RESET_CODE_LENGTH = 8

    assert ask_code(api).json()["code_length"] == 8

    assert re.fullmatch(r"\d{8} is your .*", sent(outbox)[0].text)


# -- telling nothing about accounts ------------------------------------------------


@pytest.mark.parametrize("status", ["BLOCKED", "EXPIRED"])
def test_a_number_without_an_active_account_gets_the_same_answer_and_no_code(
    api, ask_code, driver, outbox, status
):
    user_create(username="blocked", password="x", phone_number="+66899999999", status=status)
    known = ask_code(api)

    unknown = ask_code(api, "+66811111111")
    inactive = ask_code(api, "+66899999999")

    assert unknown.status_code == inactive.status_code == known.status_code == 202
    assert unknown.json() == inactive.json() == known.json()
    assert [message.to for message in sent(outbox)] == [NUMBER]


def test_a_failing_sender_is_logged_and_the_answer_is_the_same(
    api, ask_code, driver, settings, caplog
):
    settings.CSMS_SMS_SENDER = "tests.accounts.test_password_reset.FailingSender"
    unknown = ask_code(api, "+66811111111")

    with caplog.at_level(logging.ERROR, logger="accounts.senders"):
        known = ask_code(api)
        sms_wait()

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    [record] = [r for r in caplog.records if r.name == "accounts.senders"]
    assert "+66812345678" in record.getMessage()
    assert "FailingSender" in record.getMessage()


def test_without_a_sender_a_reset_is_unavailable_for_every_number(api, ask_code, driver, settings):
    settings.CSMS_SMS_SENDER = ""

    known, unknown = ask_code(api), ask_code(api, "+66811111111")

    assert known.status_code == unknown.status_code == 503
    assert known.json()["code"] == "password_reset_unavailable"
    assert known.json() == unknown.json()


def test_an_invalid_number_is_a_field_error(api, ask_code, db):
    response = ask_code(api, "not a number")

    assert response.status_code == 400
    assert field_errors(response) == {("phone_number", "invalid")}


def test_the_message_is_in_the_language_the_app_asks_for(api, ask_code, driver, outbox):
    ask_code(api, HTTP_ACCEPT_LANGUAGE="th")

    [message] = sent(outbox)

    # Thai script (U+0E00..U+0E7F) around the code.
    assert re.search("[\u0e00-\u0e7f]", message.text), message.text


# -- the code's rules -------------------------------------------------------------


def test_a_new_code_makes_the_older_one_invalid(api, ask_code, driver, outbox):
    ask_code(api)
    first = code_sent(outbox)
    ask_code(api)
    second = code_sent(outbox)

    if first != second:
        assert confirm(api, first).status_code == 400
    assert confirm(api, second).status_code == 200


def test_an_expired_code_is_refused(api, ask_code, driver, outbox):
    ask_code(api)
    PasswordResetCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = confirm(api, code_sent(outbox))

    assert response.status_code == 400
    assert field_errors(response) == {("code", "invalid")}


def test_a_code_works_once(api, ask_code, driver, outbox):
    ask_code(api)
    code = code_sent(outbox)
    assert confirm(api, code).status_code == 200

    assert confirm(api, code, password="yet another horse 44").status_code == 400


def test_after_five_wrong_tries_the_code_is_dead(api, ask_code, driver, outbox):
    ask_code(api)
    code = code_sent(outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    answers = [confirm(api, wrong).status_code for _ in range(5)]

    assert answers == [400] * 5
    response = confirm(api, code)
    assert response.status_code == 400
    assert field_errors(response) == {("code", "invalid")}
    assert api.post(LOGIN, {"username": "driver", "password": OLD_PASSWORD}).status_code == 200


def test_a_wrong_code_and_a_number_without_account_are_the_same_refusal(
    api, ask_code, driver, outbox
):
    ask_code(api)
    code = code_sent(outbox)

    wrong_code = confirm(api, f"{(int(code) + 1) % 1_000_000:06d}")
    no_account = confirm(api, code, number="+66811111111")

    assert wrong_code.status_code == no_account.status_code == 400
    assert wrong_code.json() == no_account.json()


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("short1", {"password_too_short"}),
        ("48120937561", {"password_entirely_numeric"}),
        ("password123", {"password_too_common"}),
    ],
)
def test_a_weak_password_is_refused_with_the_validators_codes_and_the_code_stays_good(
    api, ask_code, driver, outbox, password, codes
):
    ask_code(api)
    code = code_sent(outbox)

    response = confirm(api, code, password=password)

    assert response.status_code == 400
    assert {code for field, code in field_errors(response)} >= codes
    assert {field for field, _ in field_errors(response)} == {"new_password"}
    assert confirm(api, code).status_code == 200


def test_a_blocked_account_cannot_use_a_code_sent_before_the_block(api, ask_code, driver, outbox):
    ask_code(api)
    code = code_sent(outbox)
    User.objects.filter(pk=driver.pk).update(status="BLOCKED")

    assert confirm(api, code).status_code == 400


# -- devices ----------------------------------------------------------------------


def test_a_reset_logs_out_every_device_and_logs_in_this_one(api, ask_code, driver, outbox):
    phone, tablet = token_for(driver), token_for(driver)
    ask_code(api)

    token = confirm(api, code_sent(outbox)).json()["token"]

    assert app(phone).get(ME).status_code == 401
    assert app(tablet).get(ME).status_code == 401
    assert app(token).get(ME).status_code == 200
    assert AuthToken.objects.filter(user=driver).count() == 1


def test_logging_out_on_one_device_keeps_the_others_logged_in(api, driver):
    phone = api.post(LOGIN, {"username": "driver", "password": OLD_PASSWORD}).json()["token"]
    tablet = api.post(LOGIN, {"username": "driver", "password": OLD_PASSWORD}).json()["token"]

    assert app(phone).post(LOGOUT).status_code == 204

    assert app(phone).get(ME).status_code == 401
    assert app(tablet).get(ME).status_code == 200


# -- throttles --------------------------------------------------------------------


def test_a_number_is_sent_at_most_five_codes_an_hour_whether_or_not_it_has_an_account(
    api, ask_code, driver, outbox, throttle_clock_stopped, settings
):
    for number in (NUMBER, "+66811111111"):
        statuses = [ask_code(APIClient(REMOTE_ADDR=f"10.0.0.{i}"), number) for i in range(6)]

        assert [r.status_code for r in statuses] == [202] * 5 + [429]
        refusal = statuses[-1]
        assert refusal.json()["code"] == "throttled"
        assert refusal["Retry-After"] == "3600"
    assert len(sent(outbox)) == 5


def test_codes_are_tried_at_the_login_rate_per_number_from_any_address(
    api, ask_code, driver, outbox, throttle_clock_stopped
):
    ask_code(api)
    answers = [
        confirm(APIClient(REMOTE_ADDR=f"10.0.1.{i}"), "000000").status_code for i in range(10)
    ]

    # The first request spent one of the number's ten "login" tries.
    assert answers == [400] * 9 + [429]

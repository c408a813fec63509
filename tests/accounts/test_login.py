import pytest
from django.contrib.auth import authenticate

PASSWORD = "correct horse 42"


def test_a_driver_logs_in_with_their_phone_number(driver):
    assert authenticate(phone_number="+66812345678", password=PASSWORD) == driver


def test_a_driver_logs_in_with_their_username(driver):
    assert authenticate(username="driver", password=PASSWORD) == driver


def test_a_wrong_password_or_unknown_number_is_refused(driver):
    assert authenticate(phone_number="+66812345678", password="wrong") is None
    assert authenticate(phone_number="+66899999999", password=PASSWORD) is None
    assert authenticate(phone_number="garbage", password=PASSWORD) is None


@pytest.mark.parametrize("status", ["BLOCKED", "EXPIRED"])
def test_blocked_and_expired_users_cannot_log_in_either_way(driver, status):
    driver.status = status
    driver.save()
    assert authenticate(phone_number="+66812345678", password=PASSWORD) is None
    assert authenticate(username="driver", password=PASSWORD) is None

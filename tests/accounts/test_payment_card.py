import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Profile
from accounts.services import profile_clear_payment_card, profile_set_payment_card

VISA = "4111 1111 1111 1111"


def _future_expiry() -> str:
    return f"12/{(datetime.date.today().year + 2) % 100:02d}"


def test_only_brand_last_four_digits_and_expiry_are_stored(driver):
    profile = profile_set_payment_card(profile=driver.profile, number=VISA, expiry=_future_expiry())

    profile.refresh_from_db()
    assert (profile.cc_brand, profile.cc_last4) == ("Visa", "1111")
    assert profile.cc_expirydate.month == 12
    assert profile.cc_masked == "Visa •••• 1111"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_profile")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "4111111111111111" not in stored
    assert "41111111" not in stored


@pytest.mark.parametrize(
    "number", ["4111 1111 1111 1112", "1234", "not a card", "4111-1111-1111-111"]
)
def test_an_invalid_card_number_is_refused_with_the_field_at_fault(driver, number):
    with pytest.raises(ValidationError) as exc:
        profile_set_payment_card(profile=driver.profile, number=number, expiry=_future_expiry())
    assert set(exc.value.message_dict) == {"cc_number"}
    assert Profile.objects.get(user=driver).cc_last4 == ""


@pytest.mark.parametrize("expiry", ["01/20", "13/30", "soon"])
def test_an_expired_or_malformed_expiry_is_refused(driver, expiry):
    with pytest.raises(ValidationError) as exc:
        profile_set_payment_card(profile=driver.profile, number=VISA, expiry=expiry)
    assert set(exc.value.message_dict) == {"cc_expirydate"}


def test_a_card_can_be_removed(driver):
    profile_set_payment_card(profile=driver.profile, number=VISA, expiry=_future_expiry())
    profile_clear_payment_card(profile=driver.profile)
    profile = Profile.objects.get(user=driver)
    assert (profile.cc_brand, profile.cc_last4, profile.cc_expirydate) == ("", "", None)

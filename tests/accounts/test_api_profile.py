"""me/, me/profile/, me/payment-card/."""

import datetime
import io

import pytest
from django.db import connection
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import Profile
from accounts.services import user_create
from tests.problems import field_errors
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

ME = "/api/v1/me/"
PROFILE = "/api/v1/me/profile/"
CARD = "/api/v1/me/payment-card/"
VISA = "4111 1111 1111 1111"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def api(driver):
    return client_for(driver)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def picture(fmt: str = "PNG", size=(8, 8), name: str = "me.png") -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, "red").save(data, fmt)
    data.name = name
    data.seek(0)
    return data


def future_expiry() -> str:
    return f"12/{(datetime.date.today().year + 2) % 100:02d}"


@pytest.mark.parametrize("path", [ME, PROFILE, CARD])
def test_an_anonymous_caller_gets_401(db, path):
    response = APIClient().get(path)

    assert response.status_code == 401
    assert "detail" in response.json()


# -- me/ -----------------------------------------------------------------------


def test_a_driver_sees_their_account(api, driver):
    response = api.get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "id": driver.pk,
        "username": "driver",
        "phone_number": "+66812345678",
        "email": "",
        "first_name": "",
        "last_name": "",
        "status": "ACTIVE",
        "is_operator": False,
        "date_joined": response.json()["date_joined"],
    }


def test_an_operator_without_a_phone_number_sees_null(db):
    operator = user_in_group(OPERATORS, username="op")

    body = client_for(operator).get(ME).json()

    assert body["phone_number"] is None
    assert body["is_operator"] is True


def test_a_driver_changes_their_name_and_email(api, driver):
    response = api.patch(ME, {"first_name": "Somchai", "email": "s@example.com"})

    assert response.status_code == 200
    assert response.json()["first_name"] == "Somchai"
    driver.refresh_from_db()
    assert (driver.first_name, driver.email) == ("Somchai", "s@example.com")


def test_phone_number_and_status_cannot_be_changed_here(api, driver):
    response = api.patch(ME, {"phone_number": "+66899999999", "status": "EXPIRED"})

    assert response.status_code == 200
    driver.refresh_from_db()
    assert (str(driver.phone_number), driver.status) == ("+66812345678", "ACTIVE")


def test_a_username_someone_else_has_is_refused(api, driver):
    user_create(username="taken", password="x")

    response = api.patch(ME, {"username": "taken"})

    assert response.status_code == 400
    assert set(field_errors(response)) == {"username"}


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not an email"},
        {"username": ""},
        {"username": "has spaces"},
        {"first_name": "x" * 151},
        {"first_name": ["a list"]},
        # JSON types are kept: a number is no text (csms.api.fields).
        {"first_name": 42},
        {"last_name": True},
    ],
)
def test_invalid_account_data_is_refused_per_field(api, driver, body):
    response = api.patch(ME, body)

    assert response.status_code == 400
    assert set(field_errors(response)) == set(body)


@pytest.mark.parametrize("body", ["[1, 2]", "{broken", '"a string"'])
def test_a_body_that_is_no_object_is_refused(api, body):
    response = api.generic("PATCH", ME, body, content_type="application/json")

    assert response.status_code == 400


def test_put_is_not_offered(api):
    assert api.put(ME, {"first_name": "x"}).status_code == 405


# -- me/profile/ ---------------------------------------------------------------


def test_a_new_driver_has_a_profile_with_defaults(api):
    response = api.get(PROFILE)

    assert response.status_code == 200
    assert response.json() == {
        "timezone": "UTC",
        "chargepoint_sockets": [],
        "tariff_preference": None,
        "image": None,
        "cc_masked": "",
        "cc_brand": "",
        "cc_last4": "",
        "cc_expirydate": None,
    }


def test_a_user_made_without_a_profile_gets_one(driver):
    Profile.objects.filter(user=driver).delete()

    response = client_for(driver).get(PROFILE)

    assert response.status_code == 200
    assert Profile.objects.filter(user=driver).exists()


def test_a_driver_sets_their_preferences(api, driver):
    response = api.patch(
        PROFILE,
        {
            "timezone": "Asia/Bangkok",
            "chargepoint_sockets": ["IEC_62196_T2", "CHADEMO"],
            "tariff_preference": 0.45,
        },
    )

    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Bangkok"
    profile = Profile.objects.get(user=driver)
    assert str(profile.timezone) == "Asia/Bangkok"
    assert profile.chargepoint_sockets == ["IEC_62196_T2", "CHADEMO"]
    assert profile.tariff_preference == 0.45


def test_the_tariff_preference_can_be_cleared(api, driver):
    api.patch(PROFILE, {"tariff_preference": 0.3})

    response = api.patch(PROFILE, {"tariff_preference": None})

    assert response.json()["tariff_preference"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "../../etc/passwd"},
        {"timezone": "localtime"},
        {"timezone": ""},
        {"timezone": 42},
        {"timezone": "x" * 10_000},
        {"chargepoint_sockets": ["SCHUKO"]},
        {"chargepoint_sockets": ["CHADEMO", "CHADEMO"]},
        {"chargepoint_sockets": "CHADEMO"},
        {"chargepoint_sockets": [{"type": "CHADEMO"}]},
        {"tariff_preference": -0.1},
        {"tariff_preference": "cheap"},
        {"tariff_preference": "nan"},
        {"tariff_preference": [1]},
    ],
)
def test_invalid_preferences_are_refused_per_field(api, driver, body):
    response = api.patch(PROFILE, body)

    assert response.status_code == 400
    # A list's item is named by its index: chargepoint_sockets.0
    assert {field.partition(".")[0] for field in field_errors(response)} == set(body)
    assert str(Profile.objects.get(user=driver).timezone) == "UTC"


def test_a_driver_uploads_a_picture_and_gets_its_url(api, driver, media):
    response = api.patch(PROFILE, {"image": picture(name="../../holiday.jpg")}, format="multipart")

    assert response.status_code == 200
    # Served by a view that checks who asks (tests/security/test_uploads.py).
    assert response.json()["image"] == f"http://testserver/api/v1/users/{driver.pk}/photo/"
    stored = Profile.objects.get(user=driver).image
    assert stored.name.endswith(".png")  # named by the server after what the file is
    assert "holiday" not in stored.name
    assert (media / stored.name).exists()


def test_a_file_that_is_no_picture_is_refused(api, driver):
    fake = io.BytesIO(b"<?php echo 'hi'; ?>")
    fake.name = "me.png"

    response = api.patch(PROFILE, {"image": fake}, format="multipart")

    assert response.status_code == 400
    assert set(field_errors(response)) == {"image"}
    assert not Profile.objects.get(user=driver).image


def test_a_picture_in_another_format_than_jpeg_png_or_webp_is_refused(api, driver):
    response = api.patch(PROFILE, {"image": picture("BMP", name="me.bmp")}, format="multipart")

    assert response.status_code == 400
    assert field_errors(response) == {"image": ["Upload a photo as a JPEG, PNG or WebP image."]}


def test_a_picture_sent_as_json_text_is_refused(api):
    response = api.patch(PROFILE, {"image": "http://example.com/me.png"})

    assert response.status_code == 400
    assert set(field_errors(response)) == {"image"}


def test_clearing_the_picture_deletes_the_file(
    api, driver, media, django_capture_on_commit_callbacks
):
    api.patch(PROFILE, {"image": picture()}, format="multipart")
    stored = media / Profile.objects.get(user=driver).image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(PROFILE, {"image": None})

    assert response.status_code == 200
    assert response.json()["image"] is None
    assert not Profile.objects.get(user=driver).image
    assert not stored.exists()


def test_replacing_the_picture_deletes_the_old_file(
    api, driver, media, django_capture_on_commit_callbacks
):
    api.patch(PROFILE, {"image": picture()}, format="multipart")
    old = media / Profile.objects.get(user=driver).image.name

    with django_capture_on_commit_callbacks(execute=True):
        api.patch(PROFILE, {"image": picture("JPEG", name="new.jpg")}, format="multipart")

    new = Profile.objects.get(user=driver).image.name
    assert new.endswith(".jpg")
    assert (media / new).exists()
    assert not old.exists()


def test_other_preferences_can_be_sent_as_a_form_too(api, driver):
    response = api.patch(
        PROFILE, {"timezone": "Europe/Berlin", "image": picture()}, format="multipart"
    )

    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/Berlin"


def test_the_card_cannot_be_set_through_the_profile(api, driver):
    response = api.patch(PROFILE, {"cc_last4": "1234", "cc_brand": "Visa"})

    assert response.status_code == 200
    assert Profile.objects.get(user=driver).cc_last4 == ""


# -- me/payment-card/ ----------------------------------------------------------


def test_a_driver_stores_a_card_and_sees_it_masked_only(api, driver):
    response = api.put(CARD, {"number": VISA, "expiry": future_expiry()})

    assert response.status_code == 200
    body = response.json()
    assert body["cc_masked"] == "Visa •••• 1111"
    assert (body["cc_brand"], body["cc_last4"]) == ("Visa", "1111")
    assert body["cc_expirydate"].endswith("-12-31")
    assert "4111111111111111" not in response.content.decode()
    assert api.get(PROFILE).json()["cc_masked"] == "Visa •••• 1111"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_profile")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "4111111111111111" not in stored


def test_a_four_digit_year_is_accepted(api):
    year = datetime.date.today().year + 2

    response = api.put(CARD, {"number": VISA, "expiry": f"01/{year}"})

    assert response.status_code == 200
    assert response.json()["cc_expirydate"].startswith(f"{year}-01-")


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"number": "4111 1111 1111 1112", "expiry": "12/39"}, {"number"}),
        ({"number": "not a card", "expiry": "12/39"}, {"number"}),
        ({"number": VISA, "expiry": "13/39"}, {"expiry"}),
        ({"number": VISA, "expiry": "01/20"}, {"expiry"}),
        ({"number": VISA, "expiry": "soon"}, {"expiry"}),
        ({"number": "1234", "expiry": "x"}, {"number", "expiry"}),
        ({"number": VISA}, {"expiry"}),
        ({"expiry": "12/39"}, {"number"}),
        # Text, as everywhere in the API: a JSON number is a type error.
        ({"number": 4111111111111111, "expiry": "12/39"}, {"number"}),
        ({"number": "4" * 1000, "expiry": "12/39"}, {"number"}),
        ({"number": ["4111"], "expiry": "12/39"}, {"number"}),
    ],
)
def test_an_invalid_card_is_refused_with_the_api_field_names(api, driver, body, fields):
    response = api.put(CARD, body)

    assert response.status_code == 400
    assert set(field_errors(response)) == fields
    assert "4111111111111111" not in response.content.decode()
    assert Profile.objects.get(user=driver).cc_last4 == ""


def test_a_driver_removes_their_card(api, driver):
    api.put(CARD, {"number": VISA, "expiry": future_expiry()})

    response = api.delete(CARD)

    assert response.status_code == 204
    assert response.content == b""
    profile = Profile.objects.get(user=driver)
    assert (profile.cc_brand, profile.cc_last4, profile.cc_expirydate) == ("", "", None)

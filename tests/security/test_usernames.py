"""Issue 15, finding 11: a username is never someone else's phone number.

Drivers log in by phone number or by username, and signing up refuses a
number that someone already holds as a username. A driver who renamed
themselves to another person's number blocked that person from signing up.
A username may now look like a phone number only when it is the account's
own number, as signing up makes it.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.problems import field_errors, fields_at_fault

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
ME = "/api/v1/me/"
VICTIM = "+66822222222"
PASSWORD = "a long enough secret 7"

pytestmark = pytest.mark.django_db


def register(number: str):
    return APIClient().post(REGISTER, {"phone_number": number, "password": PASSWORD})


@pytest.mark.parametrize(
    "username", [VICTIM, "0822222222", "66822222222", "+66-82-222-2222", "082.222.2222"]
)
def test_a_driver_cannot_take_another_persons_number_as_username(username):
    assert register("+66811111111").status_code == 201
    squatter = APIClient()
    squatter.force_authenticate(User.objects.get(phone_number="+66811111111"))

    response = squatter.patch(ME, {"username": username})

    assert response.status_code == 400
    assert fields_at_fault(response) == {"username"}
    assert "may not look like a phone number" in field_errors(response)["username"][0]
    # The number's owner signs up and logs in with it.
    assert register(VICTIM).status_code == 201
    login = APIClient().post(LOGIN, {"phone_number": VICTIM, "password": PASSWORD})
    assert login.status_code == 200
    assert login.json()["user"]["phone_number"] == VICTIM
    # Their own number, which signing up made their username, stays theirs to keep.
    victim = APIClient()
    victim.force_authenticate(User.objects.get(phone_number=VICTIM))
    kept = victim.patch(ME, {"first_name": "Som", "username": VICTIM})
    assert kept.status_code == 200
    assert kept.json()["username"] == VICTIM


def test_an_operator_cannot_give_a_user_someone_elses_number_as_username(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": VICTIM,
            "status": "ACTIVE",
            "usable_password": "false",
            "vehicles-TOTAL_FORMS": "0",
            "vehicles-INITIAL_FORMS": "0",
            "id_tags-TOTAL_FORMS": "0",
            "id_tags-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors
    assert not User.objects.filter(username=VICTIM).exists()

"""Taking over an account with more rights than one's own, and what a password change ends.

A review of issue 15's first fix found that an Operators member could set the
password of any account that was not a superuser's, one holding rights to
groups included, log in as it and grant themselves everything; that they
could revoke a superuser's cards and devices through the tag and token pages;
and that a password reset left every API token of the old password working.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.enums import UserStatus
from accounts.models import IdTag
from accounts.services import user_create
from chargepoints.models import Transaction
from tests.problems import fields_at_fault
from tests.rights import OPERATORS, user_in_group
from tests.tokens import api_as, app, token_for

PASSWORD = "correct horse 42"
NEW_PASSWORD = "a new password 4242"

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return user_in_group(OPERATORS, username="operator", password=PASSWORD, is_staff=True)


@pytest.fixture
def chief(db):
    """An operator trusted with groups and permissions, but no superuser."""
    chief = user_in_group(OPERATORS, username="chief", password=PASSWORD, is_staff=True)
    chief.user_permissions.add(*Permission.objects.filter(content_type__app_label="auth"))
    return chief


@pytest.fixture
def root(db):
    return user_create(username="root", password=PASSWORD, is_staff=True, is_superuser=True)


def set_password(client, user):
    return client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )


def me(token: str) -> int:
    return app(token).get("/api/v1/me/").status_code


def test_an_operator_cannot_take_over_an_account_with_more_rights(client, operator, chief):
    client.force_login(operator)

    assert set_password(client, chief).status_code == 403
    chief.refresh_from_db()
    assert chief.check_password(PASSWORD)


def test_an_operator_cannot_block_an_account_with_more_rights(operator, chief):
    api = api_as(operator)

    response = api.patch(f"/api/v1/users/{chief.pk}/", {"status": "BLOCKED"}, format="json")

    assert response.status_code == 403
    chief.refresh_from_db()
    assert chief.status == UserStatus.ACTIVE


def test_an_operator_still_resets_a_drivers_password(client, operator, driver):
    client.force_login(operator)

    assert set_password(client, driver).status_code == 302
    driver.refresh_from_db()
    assert driver.check_password(NEW_PASSWORD)


def test_a_new_password_ends_the_tokens_of_the_old_one(client, root, driver):
    token = token_for(driver)
    assert me(token) == 200
    client.force_login(root)

    assert set_password(client, driver).status_code == 302

    assert me(token) == 401
    assert not AuthToken.objects.filter(user=driver).exists()


def test_taking_the_password_away_ends_the_tokens_too(client, root, driver):
    token = token_for(driver)
    client.force_login(root)

    client.post(
        f"/admin/accounts/user/{driver.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )

    driver.refresh_from_db()
    assert not driver.has_usable_password()
    assert me(token) == 401


def test_logging_in_keeps_the_other_devices(driver):
    # A login saves the user (its login time; its hash if the hasher changed):
    # that is no new password.
    token = token_for(driver)
    response = APIClient().post(
        "/api/v1/auth/login/", {"username": "driver", "password": "correct horse 42"}
    )
    assert response.status_code == 200
    assert me(token) == 200


def test_an_operator_cannot_revoke_a_superusers_devices(client, operator, root):
    token = token_for(root)
    record = AuthToken.objects.get(user=root)
    client.force_login(operator)

    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert me(token) == 200


def test_an_operator_cannot_revoke_a_superusers_card(client, operator, root):
    IdTag.objects.create(idToken="ROOT-CARD", user=root)
    client.force_login(operator)

    response = client.post(
        "/admin/accounts/idtag/", {"action": "revoke", "_selected_action": ["ROOT-CARD"]}
    )

    assert response.status_code == 403
    assert not IdTag.objects.get(idToken="ROOT-CARD").revoked


def test_an_operator_cannot_edit_a_superusers_profile(client, operator, root):
    client.force_login(operator)

    page = client.get(f"/admin/accounts/profile/{root.profile.pk}/change/")

    assert page.status_code == 200
    assert 'name="timezone"' not in page.content.decode()  # read-only


# -- found with it, older than issue 15 --------------------------------------------


def test_a_driver_cannot_lift_the_expiry_of_their_own_card(driver):
    expired = timezone.now() - datetime.timedelta(days=1)
    IdTag.objects.create(idToken="MYCARD", user=driver, expiry_date=expired)
    api = api_as(driver)

    response = api.post(
        "/api/v1/id-tags/",
        {"id_token": "MYCARD", "expiry_date": "2099-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 400
    assert "expiry_date" in fields_at_fault(response)
    assert IdTag.objects.get(idToken="MYCARD").expiry_date == expired


def test_a_driver_cannot_find_the_review_flag_by_filtering(driver, chargepoint, connector):
    Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_token="T",
        start_transaction_timestamp=timezone.now(),
        needs_review=True,
    )
    api = api_as(driver)

    flagged = api.get("/api/v1/transactions/?needs_review=true").json()
    unflagged = api.get("/api/v1/transactions/?needs_review=false").json()

    assert flagged["results"] == []
    assert len(unflagged["results"]) == 1
    assert unflagged["results"][0]["needs_review"] is False

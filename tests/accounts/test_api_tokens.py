"""auth/tokens/ and auth/logout-all/: the devices a user is logged in on, and the token rules."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import auth_token_issue, user_create
from tests.tokens import app, token_for

TOKENS = "/api/v1/auth/tokens/"
LOGOUT_ALL = "/api/v1/auth/logout-all/"
ME = "/api/v1/me/"


def test_the_list_shows_each_device_by_key_and_which_one_is_asking(driver):
    older, newer = token_for(driver), token_for(driver)

    body = app(older).get(TOKENS).json()

    assert [row["token_key"] for row in body["results"]] == [newer[:15], older[:15]]
    assert [row["current"] for row in body["results"]] == [False, True]
    assert set(body["results"][0]) == {"token_key", "created", "expiry", "current"}


def test_expired_tokens_are_not_listed(driver):
    mine, expired = token_for(driver), token_for(driver)
    AuthToken.objects.filter(token_key=expired[:15]).update(
        expiry=timezone.now() - datetime.timedelta(minutes=1)
    )

    body = app(mine).get(TOKENS).json()

    assert [row["token_key"] for row in body["results"]] == [mine[:15]]


def test_an_unknown_key_is_404(driver):
    assert app(token_for(driver)).delete(f"{TOKENS}nope/").status_code == 404


def test_logging_out_everywhere_revokes_every_token_and_the_session(driver):
    phone, tablet = token_for(driver), token_for(driver)
    browser = APIClient()
    browser.force_login(driver)

    assert app(phone).post(LOGOUT_ALL).status_code == 204

    assert app(phone).get(ME).status_code == 401
    assert app(tablet).get(ME).status_code == 401
    assert not AuthToken.objects.filter(user=driver).exists()
    assert browser.get(ME).status_code == 200  # another browser's session is its own


def test_beyond_the_limit_a_login_logs_out_the_device_unused_longest(driver, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    unused, used = token_for(driver), token_for(driver)
    AuthToken.objects.filter(token_key=unused[:15]).update(
        expiry=timezone.now() + datetime.timedelta(days=1)
    )

    newest = token_for(driver)

    assert app(unused).get(ME).status_code == 401
    assert app(used).get(ME).status_code == 200
    assert app(newest).get(ME).status_code == 200


def test_a_token_a_bulk_update_left_behind_is_refused_with_the_reason(driver):
    # QuerySet.update() passes no hook, so the token survives the block; the
    # authentication still refuses it (seed 003).
    token = token_for(driver)
    User.objects.filter(pk=driver.pk).update(status="EXPIRED")

    response = app(token).get(ME)

    assert response.status_code == 401
    assert response.json()["detail"] == "This account has expired."
    assert response.json()["code"] == "account_expired"


def test_an_inactive_users_token_is_refused_as_before(driver):
    token = token_for(driver)
    User.objects.filter(pk=driver.pk).update(is_active=False)

    response = app(token).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "account_inactive"


@pytest.mark.parametrize("header", ["Token \x00abc", "Token " + "a" * 101, "Token caf\xe9"])
def test_a_malformed_token_is_401_not_a_crash(driver, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get(ME).status_code == 401


def test_saving_a_stale_copy_of_a_reinstated_user_keeps_their_new_token(driver):
    stale = User.objects.get(pk=driver.pk)
    driver.status = "BLOCKED"
    driver.save()
    driver.status = "ACTIVE"
    driver.save()

    # Issuing records the login time on the copy read while blocked.
    stale.status = "BLOCKED"
    _, token = auth_token_issue(user=stale)

    assert app(token).get(ME).status_code == 200


# -- manage.py create_token, for scripts ---------------------------------------------


def test_create_token_prints_a_token_of_one_more_device(driver):
    out = StringIO()
    call_command("create_token", "+66812345678", stdout=out)

    token = out.getvalue().split()[2]  # as DRF's drf_create_token printed it
    assert app(token).get(ME).json()["id"] == driver.pk


def test_create_token_refuses_a_blocked_account(driver):
    driver.status = "BLOCKED"
    driver.save()

    with pytest.raises(CommandError, match="may not log in"):
        call_command("create_token", "driver")
    assert not AuthToken.objects.exists()


# -- the admin --------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return user_create(username="staff", password="x" * 12, is_staff=True)


def _grant(user, *codenames: str) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
    )


def test_an_operator_revokes_a_drivers_device_in_the_admin(client, staff, driver):
    _grant(staff, "view_apitoken", "delete_apitoken")
    token = token_for(driver)
    digest = AuthToken.objects.get().digest
    client.force_login(staff)

    listing = client.get("/admin/accounts/apitoken/", {"q": "driver"})
    deleted = client.post(
        "/admin/accounts/apitoken/",
        {"action": "delete_selected", "_selected_action": [digest], "post": "yes"},
    )

    assert token[:15] in listing.content.decode()
    assert deleted.status_code == 302
    assert app(token).get(ME).status_code == 401


def test_looking_at_devices_is_not_revoking_them(client, staff, driver):
    _grant(staff, "view_apitoken")
    token = token_for(driver)
    digest = AuthToken.objects.get().digest
    client.force_login(staff)

    client.post(
        "/admin/accounts/apitoken/",
        {"action": "delete_selected", "_selected_action": [digest], "post": "yes"},
    )

    assert client.get("/admin/accounts/apitoken/").status_code == 200
    assert app(token).get(ME).status_code == 200


def test_the_admin_hands_out_no_tokens(client, staff):
    _grant(staff, "view_apitoken", "add_apitoken", "change_apitoken", "delete_apitoken")
    client.force_login(staff)

    assert client.get("/admin/accounts/apitoken/add/").status_code == 403

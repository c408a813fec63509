"""me/energy/ and users/<id>/energy/: the energy a driver charged."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_create
from chargepoints.api.energy import views
from chargepoints.models import Transaction
from chargepoints.selectors import user_energy_totals
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

ENERGY = "/api/v1/me/energy/"
PROFILE = "/api/v1/me/profile/"
USERS = "/api/v1/users/"
NOTHING = {"day": 0.0, "week": 0.0, "month": 0.0, "year": 0.0, "timezone": "UTC"}


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def api(driver):
    return client_for(driver)


@pytest.fixture
def operator(db) -> User:
    return user_in_group(OPERATORS, username="operator")


def test_an_anonymous_caller_gets_401(db):
    response = APIClient().get(ENERGY)

    assert response.status_code == 401
    assert "detail" in response.json()
    assert APIClient().get(f"{USERS}1/energy/").status_code == 401


# -- me/energy/ ----------------------------------------------------------------


def test_a_driver_sees_the_energy_they_charged_in_their_time_zone(
    api, driver, connector, monkeypatch
):
    # A fixed clock: "today" in Bangkok begins at 17:00 UTC, which a run
    # could otherwise straddle. 08:00 in Bangkok is 01:00 UTC.
    now = datetime.datetime(2026, 3, 18, 8, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Bangkok"))
    monkeypatch.setattr(
        views,
        "user_energy_totals",
        lambda *, user: user_energy_totals(user=user, now=now),
    )
    api.patch(PROFILE, {"timezone": "Asia/Bangkok"})
    Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        user=driver,
        # 06:00-06:30 in Bangkok: today there, though yesterday in UTC.
        start_transaction_timestamp=now - datetime.timedelta(hours=2),
        stop_transaction_timestamp=now - datetime.timedelta(hours=1, minutes=30),
        wh_meter_start=1_000,
        wh_meter_stop=8_500,
        transaction_status="COMPLETED",
    )

    response = api.get(ENERGY)

    assert response.status_code == 200
    assert response.json() == {
        "day": 7.5,
        "week": 7.5,
        "month": 7.5,
        "year": 7.5,
        "timezone": "Asia/Bangkok",
    }


def test_someone_elses_charging_does_not_count(api, connector):
    other = user_create(username="other", password="x")
    now = timezone.now()
    Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        user=other,
        start_transaction_timestamp=now - datetime.timedelta(seconds=2),
        stop_transaction_timestamp=now - datetime.timedelta(seconds=1),
        wh_meter_start=0,
        wh_meter_stop=5_000,
        transaction_status="COMPLETED",
    )

    assert api.get(ENERGY).json() == {
        "day": 0.0,
        "week": 0.0,
        "month": 0.0,
        "year": 0.0,
        "timezone": "UTC",
    }


# -- users/<id>/energy/ --------------------------------------------------------


def test_a_driver_may_not_see_someone_elses_energy(api, operator):
    assert api.get(f"{USERS}{operator.pk}/energy/").status_code == 403


def test_an_unknown_user_is_404(operator):
    api = client_for(operator)

    assert api.get(f"{USERS}999999/energy/").status_code == 404
    response = api.get(f"{USERS}nobody/energy/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_operator_sees_a_users_energy(operator, driver):
    response = client_for(operator).get(f"{USERS}{driver.pk}/energy/")

    assert response.status_code == 200
    assert response.json() == NOTHING

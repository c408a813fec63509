"""vehicles/ and id-tags/: drivers see and change their own, operators everything."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdTag, User, UserVehicle
from accounts.services import idtag_status, user_create
from chargepoints.services.authorization import idtag_authorize
from tests.problems import field_errors, fields_at_fault
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

VEHICLES = "/api/v1/vehicles/"
TAGS = "/api/v1/id-tags/"
TAKEN = {"id_token": ["This id tag is already registered."]}


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def other(db) -> User:
    return user_create(username="other", password="x", phone_number="+66899999999")


@pytest.fixture
def operator(db) -> User:
    return user_in_group(OPERATORS, username="operator")


@pytest.fixture
def api(driver):
    return client_for(driver)


def vehicle(user, plate="1กข 1234", **fields) -> UserVehicle:
    return UserVehicle.objects.create(user=user, license_plate=plate, **fields)


@pytest.mark.parametrize("path", [VEHICLES, TAGS, f"{VEHICLES}1/", f"{TAGS}X/"])
def test_an_anonymous_caller_gets_401(db, path):
    assert APIClient().get(path).status_code == 401


# -- vehicles ------------------------------------------------------------------


def test_a_driver_adds_a_vehicle_and_it_is_theirs(api, driver):
    response = api.post(VEHICLES, {"license_plate": "1กข 1234", "make": "BYD", "model": "Atto 3"})

    assert response.status_code == 201
    body = response.json()
    assert body["user"] == driver.pk
    assert body["type"] == "ELECTRIC"
    stored = UserVehicle.objects.get(pk=body["id"])
    assert (stored.user, stored.license_plate, stored.make) == (driver, "1กข 1234", "BYD")


def test_a_driver_cannot_add_a_vehicle_for_someone_else(api, other):
    response = api.post(VEHICLES, {"license_plate": "X1", "user": other.pk})

    assert response.status_code == 400
    assert fields_at_fault(response) == {"user"}
    assert not UserVehicle.objects.exists()


def test_an_operator_adds_a_vehicle_for_a_driver(operator, driver):
    response = client_for(operator).post(VEHICLES, {"license_plate": "X1", "user": driver.pk})

    assert response.status_code == 201
    assert UserVehicle.objects.get().user == driver


def test_a_license_plate_is_registered_once(api, other):
    vehicle(other, "X1")

    response = api.post(VEHICLES, {"license_plate": "X1"})

    assert response.status_code == 400
    assert fields_at_fault(response) == {"license_plate"}


@pytest.mark.parametrize(
    "body",
    [
        {"license_plate": ""},
        {"license_plate": "x" * 21},
        {"license_plate": "X1", "type": "DIESEL"},
        {"license_plate": ["X1"]},
        {"license_plate": 42},
        {"license_plate": "X1", "make": 42},
        {"license_plate": "X1", "user": 99999},
        {"license_plate": "X1", "user": "me"},
        {"license_plate": "X1", "user": True},
        {"license_plate": "X1", "user": 1.5},
        {"license_plate": "X1", "user": 10**30},
    ],
)
def test_invalid_vehicles_are_refused_per_field(operator, body):
    response = client_for(operator).post(VEHICLES, body, format="json")

    assert response.status_code == 400
    assert fields_at_fault(response) <= set(body)
    assert not UserVehicle.objects.exists()


@pytest.mark.parametrize("body", ["[]", "{", "null", "42"])
def test_a_body_that_is_no_object_is_refused(api, body):
    response = api.generic("POST", VEHICLES, body, content_type="application/json")

    assert response.status_code == 400


def test_a_driver_lists_only_their_vehicles(api, driver, other):
    vehicle(driver, "B2")
    vehicle(driver, "A1")
    vehicle(other, "C3")

    response = api.get(VEHICLES)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [v["license_plate"] for v in body["results"]] == ["A1", "B2"]


def test_a_driver_cannot_see_or_change_another_drivers_vehicle(api, other):
    car = vehicle(other, "C3")
    url = f"{VEHICLES}{car.pk}/"

    assert api.get(url).status_code == 404
    assert api.patch(url, {"make": "Mine"}).status_code == 404
    assert api.put(url, {"license_plate": "C3"}).status_code == 404
    assert api.delete(url).status_code == 404
    car.refresh_from_db()
    assert (car.make, car.user) == ("", other)


def test_a_driver_updates_and_deletes_their_vehicle(api, driver):
    car = vehicle(driver, "A1")
    url = f"{VEHICLES}{car.pk}/"

    response = api.patch(url, {"make": "Tesla", "type": "HYBRID"})
    assert response.status_code == 200
    assert response.json()["make"] == "Tesla"
    car.refresh_from_db()
    assert (car.make, car.type) == ("Tesla", "HYBRID")

    response = api.delete(url)
    assert response.status_code == 204
    assert not UserVehicle.objects.exists()


def test_a_driver_cannot_hand_their_vehicle_to_someone_else(api, driver, other):
    car = vehicle(driver, "A1")

    response = api.patch(f"{VEHICLES}{car.pk}/", {"user": other.pk})

    assert response.status_code == 400
    car.refresh_from_db()
    assert car.user == driver


def test_renaming_to_a_taken_plate_is_refused(api, driver, other):
    vehicle(other, "TAKEN")
    car = vehicle(driver, "A1")

    response = api.patch(f"{VEHICLES}{car.pk}/", {"license_plate": "TAKEN"})

    assert response.status_code == 400
    assert fields_at_fault(response) == {"license_plate"}


def test_an_operator_sees_all_vehicles_and_filters_by_user(operator, driver, other):
    vehicle(driver, "A1")
    vehicle(other, "B2", make="BYD")
    client = client_for(operator)

    assert client.get(VEHICLES).json()["count"] == 2
    only = client.get(VEHICLES, {"user": other.pk}).json()
    assert [v["license_plate"] for v in only["results"]] == ["B2"]
    assert client.get(VEHICLES, {"make": "byd"}).json()["count"] == 1


def test_vehicles_filter_by_type_and_order_by_creation(api, driver):
    vehicle(driver, "Z9", type="HYBRID")
    vehicle(driver, "A1")

    hybrids = api.get(VEHICLES, {"type": "HYBRID"}).json()
    newest_first = api.get(VEHICLES, {"ordering": "-created_at"}).json()

    assert [v["license_plate"] for v in hybrids["results"]] == ["Z9"]
    assert [v["license_plate"] for v in newest_first["results"]] == ["A1", "Z9"]


@pytest.mark.parametrize(
    "query", [{"type": "DIESEL"}, {"user": "abc"}, {"page": 99}, {"page": "x"}]
)
def test_bad_list_parameters_are_answered_with_4xx(api, driver, query):
    vehicle(driver, "A1")

    response = api.get(VEHICLES, query)

    assert response.status_code in (400, 404)
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize("value", [10**30, 1.5, 0])
def test_a_user_filter_that_is_no_id_is_refused(operator, driver, value):
    vehicle(driver, "A1")

    response = client_for(operator).get(VEHICLES, {"user": value})

    assert response.status_code == 400
    assert fields_at_fault(response) == {"user"}


def test_an_unknown_vehicle_is_404(api):
    assert api.get(f"{VEHICLES}999999/").status_code == 404
    assert api.get(f"{VEHICLES}{10**30}/").status_code == 404
    assert api.get(f"{VEHICLES}abc/").status_code == 404


def test_vehicle_lists_are_paginated(api, driver):
    for n in range(3):
        vehicle(driver, f"P{n}")

    body = api.get(VEHICLES, {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


# -- id tags -------------------------------------------------------------------


def tag(value, user=None, **fields) -> IdTag:
    return IdTag.objects.create(idToken=value, user=user, **fields)


def test_a_driver_adds_a_new_tag(api, driver):
    response = api.post(TAGS, {"id_token": "04A1B2C3", "token_type": "ISO14443"})

    assert response.status_code == 201
    body = response.json()
    assert body["id_token"] == "04A1B2C3"
    assert body["status"] == "ACCEPTED"
    assert body["revoked"] is False
    assert "user" not in body  # drivers are not shown owners
    stored = IdTag.objects.get()
    assert (stored.user, stored.token_type) == (driver, "ISO14443")


def test_a_driver_claims_an_unowned_tag(api, driver):
    tag("04A1B2C3")

    response = api.post(TAGS, {"id_token": "04a1b2c3"})

    assert response.status_code == 200
    assert response.json()["id_token"] == "04A1B2C3"
    assert IdTag.objects.get().user == driver
    assert IdTag.objects.count() == 1


def test_adding_ones_own_tag_again_is_harmless(api, driver):
    tag("04A1B2C3", driver)

    response = api.post(TAGS, {"id_token": "04A1B2C3"})

    assert response.status_code == 200
    assert IdTag.objects.count() == 1


@pytest.mark.parametrize("value", ["04A1B2C3", "04a1b2c3"])
def test_someone_elses_tag_cannot_be_taken_in_any_letter_case(api, other, value):
    tag("04A1B2C3", other)

    response = api.post(TAGS, {"id_token": value})

    assert response.status_code == 400
    assert field_errors(response) == TAKEN
    assert "other" not in response.content.decode()
    assert IdTag.objects.get().user == other


def test_a_revoked_unowned_tag_cannot_be_claimed(api):
    tag("LOST", revoked=True)

    response = api.post(TAGS, {"id_token": "LOST"})

    assert response.status_code == 400
    assert field_errors(response) == TAKEN
    assert IdTag.objects.get().user is None


def test_adding_ones_own_blocked_tag_does_not_unblock_it(api, driver):
    tag("MINE", driver, revoked=True)

    response = api.post(TAGS, {"id_token": "MINE"})

    assert response.status_code == 400
    assert fields_at_fault(response) == {"id_token"}
    assert IdTag.objects.get().revoked


def test_an_operator_adds_a_tag_for_a_driver_or_for_nobody(operator, driver):
    client = client_for(operator)

    for_driver = client.post(TAGS, {"id_token": "T1", "user": driver.pk}, format="json")
    unowned = client.post(TAGS, {"id_token": "T2", "user": None}, format="json")

    assert for_driver.status_code == unowned.status_code == 201
    assert for_driver.json()["user"] == driver.pk
    assert unowned.json()["user"] is None
    assert IdTag.objects.get(pk="T2").user is None


def test_a_driver_cannot_add_a_tag_for_someone_else(api, other):
    response = api.post(TAGS, {"id_token": "T1", "user": other.pk})

    assert response.status_code == 400
    assert fields_at_fault(response) == {"user"}
    assert not IdTag.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"id_token": ""},
        {"id_token": "x" * 37},
        {"id_token": "A/B"},
        {"id_token": "A\nB"},
        {"id_token": ["A"]},
        {"id_token": 42},
        {"id_token": "A", "token_type": "Passport"},
        {"id_token": "A", "expiry_date": "tomorrow"},
        {"id_token": "A", "user": "x"},
    ],
)
def test_invalid_tags_are_refused_per_field(api, body):
    response = api.post(TAGS, body, format="json")

    assert response.status_code == 400
    assert fields_at_fault(response) <= {"id_token", "token_type", "expiry_date", "user"}
    assert not IdTag.objects.exists()


def test_a_driver_lists_and_reads_only_their_tags(api, driver, other):
    tag("MINE", driver)
    tag("THEIRS", other)
    tag("NOBODYS")

    listed = api.get(TAGS).json()

    assert [t["id_token"] for t in listed["results"]] == ["MINE"]
    assert api.get(f"{TAGS}MINE/").status_code == 200
    assert api.get(f"{TAGS}mine/").json()["id_token"] == "MINE"
    assert api.get(f"{TAGS}THEIRS/").status_code == 404
    assert api.get(f"{TAGS}NOBODYS/").status_code == 404


def test_a_tag_with_dots_and_punctuation_is_addressable(api, driver):
    tag("DE*ABC.123-x_y", driver)

    response = api.get(f"{TAGS}DE*ABC.123-x_y/")

    assert response.status_code == 200
    assert response.json()["id_token"] == "DE*ABC.123-x_y"


def test_an_operator_lists_every_tag_with_its_owner_and_filters(operator, driver, other):
    tag("A", driver)
    tag("B", other, revoked=True)
    tag("C")
    client = client_for(operator)

    everything = client.get(TAGS).json()
    revoked = client.get(TAGS, {"revoked": "true"}).json()
    drivers = client.get(TAGS, {"user": driver.pk}).json()

    assert [(t["id_token"], t["user"]) for t in everything["results"]] == [
        ("A", driver.pk),
        ("B", other.pk),
        ("C", None),
    ]
    assert [t["id_token"] for t in revoked["results"]] == ["B"]
    assert [t["id_token"] for t in drivers["results"]] == ["A"]


def test_tags_order_by_value_or_creation(api, driver):
    tag("B", driver)
    tag("A", driver)

    by_value = api.get(TAGS, {"ordering": "-id_token"}).json()
    by_creation = api.get(TAGS, {"ordering": "created_at"}).json()

    assert [t["id_token"] for t in by_value["results"]] == ["B", "A"]
    assert [t["id_token"] for t in by_creation["results"]] == ["B", "A"]


def test_a_driver_blocks_their_lost_card(api, driver):
    tag("MINE", driver)

    response = api.post(f"{TAGS}mine/block/")

    assert response.status_code == 200
    assert response.json()["revoked"] is True
    assert response.json()["status"] == "BLOCKED"
    assert IdTag.objects.get().revoked
    assert idtag_authorize(id_token="MINE").status == "Blocked"


def test_a_driver_cannot_block_someone_elses_tag(api, other):
    tag("THEIRS", other)

    assert api.post(f"{TAGS}THEIRS/block/").status_code == 404
    assert not IdTag.objects.get().revoked


def test_a_driver_cannot_undo_a_block(api, driver):
    tag("MINE", driver, revoked=True)

    response = api.post(f"{TAGS}MINE/unblock/")

    assert response.status_code == 403
    assert IdTag.objects.get().revoked


def test_an_operator_blocks_and_unblocks_any_tag(operator, other):
    tag("THEIRS", other)
    client = client_for(operator)

    assert client.post(f"{TAGS}THEIRS/block/").json()["revoked"] is True
    response = client.post(f"{TAGS}THEIRS/unblock/")

    assert response.status_code == 200
    assert response.json()["status"] == "ACCEPTED"
    assert not IdTag.objects.get().revoked


def test_an_unknown_tag_is_404(api, operator):
    assert api.post(f"{TAGS}NOPE/block/").status_code == 404
    assert client_for(operator).post(f"{TAGS}NOPE/unblock/").status_code == 404


def test_a_tag_shows_the_status_a_charger_would_be_told(api, driver, db):
    past = timezone.now() - datetime.timedelta(days=1)
    parent = tag("GROUP", revoked=True)
    cases = [
        tag("OK", driver),
        tag("OLD", driver, expiry_date=past),
        tag("CHILD", driver, parent_id_tag=parent),
        tag("OFF", driver, revoked=True),
    ]

    shown = {t["id_token"]: t["status"] for t in api.get(TAGS).json()["results"]}

    # The API spells OCPP's Accepted/Expired/Blocked as its enums: UPPER_SNAKE_CASE.
    assert shown == {"OK": "ACCEPTED", "OLD": "EXPIRED", "CHILD": "BLOCKED", "OFF": "BLOCKED"}
    for case in cases:
        assert idtag_status(tag=case) == idtag_authorize(id_token=case.idToken).status


@pytest.mark.parametrize("status, ocpp", [("BLOCKED", "Blocked"), ("EXPIRED", "Expired")])
def test_the_owners_account_status_decides_too(operator, driver, status, ocpp):
    tag("T", driver)
    driver.status = status
    driver.save()

    response = client_for(operator).get(f"{TAGS}T/")

    assert response.json()["status"] == status
    assert idtag_authorize(id_token="T").status == ocpp

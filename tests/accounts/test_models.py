import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from accounts.models import IdTag, Notification, Profile, User, UserVehicle
from accounts.services import user_create
from chargepoints.models import Transaction


def test_phone_numbers_are_stored_in_e164(driver):
    driver.refresh_from_db()
    assert str(driver.phone_number) == "+66812345678"


def test_a_phone_number_belongs_to_one_user(driver):
    with pytest.raises(ValidationError) as exc:
        user_create(username="other", password="x" * 12, phone_number="+66 81 234 5678")
    assert "phone_number" in exc.value.message_dict


def test_a_local_number_without_a_region_is_refused(db):
    with pytest.raises(ValidationError) as exc:
        user_create(username="local", password="x" * 12, phone_number="0812345678")
    assert "phone_number" in exc.value.message_dict


@override_settings(PHONENUMBER_DEFAULT_REGION="TH")
def test_a_local_number_is_read_in_the_configured_region(db):
    user = user_create(username="thai", password="x" * 12, phone_number="081 234 5678")
    user.refresh_from_db()
    assert str(user.phone_number) == "+66812345678"


def test_operators_need_no_phone_number(db):
    user_create(username="op1", password="x" * 12, is_staff=True)
    user_create(username="op2", password="x" * 12, is_staff=True)
    assert User.objects.filter(phone_number__isnull=True).count() == 2


def test_every_user_created_by_the_service_has_a_profile(driver):
    assert Profile.objects.get(user=driver).timezone.key == "UTC"


def test_license_plates_are_unique(driver):
    UserVehicle.objects.create(user=driver, license_plate="1กข 1234")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserVehicle.objects.create(user=driver, license_plate="1กข 1234")


def test_id_tags_are_unique_regardless_of_case(db):
    IdTag.objects.create(idToken="abc123")
    with pytest.raises(IntegrityError), transaction.atomic():
        IdTag.objects.create(idToken="ABC123")


def test_deleting_a_driver_keeps_their_transactions_and_tags(driver, connector, now):
    tag = IdTag.objects.create(idToken="RFID-9", user=driver)
    UserVehicle.objects.create(user=driver, license_plate="B-XY 1")
    Notification.objects.create(user=driver, title="Hi", message="Hello", type="GENERAL")
    tx = Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        id_tag=tag,
        user=driver,
        start_transaction_timestamp=now,
    )

    driver.delete()

    tx.refresh_from_db()
    tag.refresh_from_db()
    assert tx.user is None and tx.id_tag == tag
    assert tag.user is None
    assert not UserVehicle.objects.exists()
    assert not Notification.objects.exists()
    assert not Profile.objects.exists()


@pytest.mark.parametrize(
    "status, may_charge", [("ACTIVE", True), ("BLOCKED", False), ("EXPIRED", False)]
)
def test_only_active_users_may_charge(driver, status, may_charge):
    driver.status = status
    assert driver.may_charge is may_charge

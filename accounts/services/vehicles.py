"""Drivers' vehicles."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User, UserVehicle
from accounts.services.updates import instance_update

LICENSE_PLATE_TAKEN = "A vehicle with this license plate already exists."


def vehicle_create(*, user: User, license_plate: str, **fields) -> UserVehicle:
    vehicle = UserVehicle(user=user, license_plate=license_plate, **fields)
    vehicle.full_clean()
    try:
        with transaction.atomic():
            vehicle.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"license_plate": [LICENSE_PLATE_TAKEN]}) from None
    return vehicle


def vehicle_update(*, vehicle: UserVehicle, data: dict) -> UserVehicle:
    try:
        with transaction.atomic():
            instance_update(
                instance=vehicle,
                data=data,
                fields={"user", "license_plate", "make", "model", "type"},
            )
    except IntegrityError:
        raise ValidationError({"license_plate": [LICENSE_PLATE_TAKEN]}) from None
    return vehicle

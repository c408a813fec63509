from django.core.exceptions import ValidationError
from django.db import models
from django_countries.fields import CountryField
from timezone_field import TimeZoneField

from chargepoints.enums import ParkingType
from chargepoints.models.ids import new_ocpi_id


def validate_coordinates(value) -> None:
    """OCPI 2.2.1 GeoLocation: {"latitude": "51.047599", "longitude": "3.729944"}."""
    if not isinstance(value, dict) or set(value) != {"latitude", "longitude"}:
        raise ValidationError('Coordinates must be {"latitude": ..., "longitude": ...}.')
    for key, bound in (("latitude", 90), ("longitude", 180)):
        try:
            number = float(value[key])
        except (TypeError, ValueError):
            raise ValidationError(f"{key} must be a decimal number.") from None
        if not -bound <= number <= bound:
            raise ValidationError(f"{key} must be between -{bound} and {bound}.")


class Location(models.Model):
    """A site with charge points, shaped as an OCPI 2.2.1 Location (seed 000)."""

    country_code = models.CharField(max_length=2, help_text="ISO 3166 alpha-2 of the CPO.")
    party_id = models.CharField(max_length=3, help_text="CPO party id (ISO 15118).")
    id = models.CharField(max_length=36, primary_key=True, default=new_ocpi_id)
    name = models.CharField(max_length=255)
    address = models.CharField(max_length=255)
    city = models.CharField(max_length=45)
    postal_code = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=20, blank=True)
    country = CountryField()
    coordinates = models.JSONField(validators=[validate_coordinates])
    parking_type = models.CharField(max_length=20, choices=ParkingType.choices)
    time_zone = TimeZoneField(default="UTC")
    substation_id = models.CharField(max_length=100, blank=True)
    publish = models.BooleanField(
        default=True,
        help_text="OCPI 2.2.1 Location.publish: shown to the public (apps without login).",
    )
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "id"], name="location_ocpi_identity_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

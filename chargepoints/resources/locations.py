"""Locations in import and export files: our columns, or OCPI 2.2.1 Location objects.

OCPI objects (JSON) are recognised by their shape and read as the OCPI
sender writes them (billing/ocpi/locations.py), the other way round.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_countries import countries
from import_export import widgets
from import_export.fields import Field

from chargepoints.enums import ParkingType
from chargepoints.models import Location
from chargepoints.resources.sites import SiteResource
from chargepoints.services.sites import location_create, location_update
from csms.imports.columns import Boolean, Choice, Text, as_text

# OCPI 2.2.1 Location fields (locations §8.3.1) read into our columns as they are.
OCPI_FIELDS = (
    "country_code",
    "party_id",
    "id",
    "publish",
    "name",
    "address",
    "city",
    "postal_code",
    "state",
    "country",
    "parking_type",
    "time_zone",
)


def ocpi_locations_flatten(dataset) -> list[str]:
    """OCPI Location objects as our columns, in place; what was left out, as notes.

    The reverse of billing/ocpi/locations.py's location_ocpi: ``coordinates``
    ({"latitude": "51.047599", "longitude": "3.729944"}) becomes two columns,
    ``country`` stays ISO 3166-1 alpha-3 (the country column takes both).
    EVSEs are not imported: our EVSEs are the connectors of our charge
    points, which import_chargepoints imports.
    """
    records = dataset.dict
    rows = []
    for record in records:
        row = {name: record.get(name) for name in OCPI_FIELDS}
        coordinates = record.get("coordinates")
        coordinates = coordinates if isinstance(coordinates, dict) else {}
        row["latitude"] = coordinates.get("latitude")
        row["longitude"] = coordinates.get("longitude")
        rows.append(row)
    notes = ["read as OCPI 2.2.1 Location objects"]
    evses = sum(len(r.get("evses") or []) for r in records if isinstance(r.get("evses"), list))
    if evses:
        notes.append(
            f"{evses} EVSE(s) not imported: import their chargers with import_chargepoints"
        )
    present = {key for record in records for key, value in record.items() if value is not None}
    ignored = sorted(present - set(OCPI_FIELDS) - {"coordinates", "evses", "last_updated"})
    if ignored:
        notes.append(f"OCPI fields not imported: {', '.join(ignored)}")
    dataset.wipe()
    dataset.headers = [*OCPI_FIELDS, "latitude", "longitude"]
    for row in rows:
        dataset.append(list(row.values()))
    return notes


class Country(widgets.Widget):
    """ISO 3166-1 alpha-2 (DE) or alpha-3 (DEU, as OCPI writes it); exported as alpha-2."""

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            raise ValueError("This column needs a value.")
        code = countries.alpha2(text)
        if not code:
            raise ValueError(f"{text!r} is not an ISO 3166-1 country code (DE or DEU).")
        return code

    def render(self, value, obj=None, **kwargs):
        return "" if not value else value.code


class TimeZone(widgets.Widget):
    """An IANA time zone name, e.g. Europe/Berlin; empty leaves it (UTC for a new location)."""

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        try:
            return zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{text!r} is not an IANA time zone name (Europe/Berlin).") from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class Degrees(widgets.Widget):
    def __init__(self, bound: int):
        super().__init__()
        self.bound = bound

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            raise ValueError("This column needs a value.")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"Enter decimal degrees (51.047599), not {text!r}.") from None
        if not -self.bound <= number <= self.bound:
            raise ValueError(f"{number} is out of range: -{self.bound} to {self.bound}.")
        # OCPI 2.2.1 GeoLocation, as location_create stores it.
        return f"{number:.6f}"


class CoordinateField(Field):
    """One half of Location.coordinates (an OCPI GeoLocation object)."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance.coordinates = {**(instance.coordinates or {}), self.column_name: self.clean(row)}

    def get_value(self, instance):
        return (instance.coordinates or {}).get(self.column_name)


class LocationResource(SiteResource):
    key_column = "id"
    required_columns = (
        "id",
        "name",
        "address",
        "city",
        "country",
        "latitude",
        "longitude",
        "parking_type",
    )
    export_only = ("last_updated",)

    id = Field("id", "id", Text())
    name = Field("name", "name", Text())
    address = Field("address", "address", Text())
    city = Field("city", "city", Text())
    postal_code = Field("postal_code", "postal_code", Text())
    state = Field("state", "state", Text())
    country = Field("country", "country", Country())
    latitude = CoordinateField("coordinates", "latitude", Degrees(90))
    longitude = CoordinateField("coordinates", "longitude", Degrees(180))
    parking_type = Field(
        "parking_type", "parking_type", Choice(ParkingType.choices, allow_empty=False)
    )
    time_zone = Field("time_zone", "time_zone", TimeZone(), saves_null_values=False)
    publish = Field("publish", "publish", Boolean(), saves_null_values=False)
    country_code = Field("country_code", "country_code", Text())
    party_id = Field("party_id", "party_id", Text())
    substation_id = Field("substation_id", "substation_id", Text())
    last_updated = Field("last_updated", "last_updated", widgets.DateTimeWidget(), readonly=True)

    class Meta:
        model = Location
        fields = (
            "id",
            "name",
            "address",
            "city",
            "postal_code",
            "state",
            "country",
            "latitude",
            "longitude",
            "parking_type",
            "time_zone",
            "publish",
            "country_code",
            "party_id",
            "substation_id",
            "last_updated",
        )

    def init_instance(self, row=None):
        # Whose location it is in OCPI: ours unless the file says (credentials §7.3.1).
        return Location(
            country_code=settings.CSMS_OCPI_COUNTRY_CODE, party_id=settings.CSMS_OCPI_PARTY_ID
        )

    def records_prepare(self, dataset):
        if "coordinates" in dataset.headers and any(
            isinstance(value, dict) for value in dataset["coordinates"]
        ):
            self.notes.extend(ocpi_locations_flatten(dataset))

    def row_check(self, instance, row, errors):
        for column in ("country_code", "party_id"):
            value = getattr(instance, column)
            if not value:
                # An empty cell keeps what is stored, or ours for a new location.
                stored = self.stored.get(instance.pk)
                value = (
                    getattr(stored, column)
                    if stored
                    else getattr(settings, f"CSMS_OCPI_{column.upper()}")
                )
            setattr(instance, column, value.upper())

    def save_instance(self, instance, is_create, row, **kwargs):
        fields = {
            field.attribute: getattr(instance, field.attribute)
            for field in self.get_import_fields()
            if field.attribute and not field.readonly and field.column_name in row
        }
        for name in ("country_code", "party_id", "time_zone", "publish"):
            fields[name] = getattr(instance, name)
        try:
            with transaction.atomic():
                if is_create:
                    location_create(fields=fields)
                else:
                    location_update(location=self.stored[instance.pk], fields=fields)
        except IntegrityError as error:
            raise ValidationError(f"Not saved: {error}") from None

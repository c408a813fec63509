"""What the sites lists can be filtered by: place, distance, availability, status."""

import django_filters
from django import forms
from django.db.models import FloatField, Value

from accounts.enums import ConnectorType
from chargepoints.enums import ParkingType, PublicStatus
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.selectors import locations_nearby, locations_with_connector_standard
from chargepoints.status_selectors import (
    chargepoints_with_public_status,
    connectors_with_public_status,
    locations_with_available_connector,
)
from csms.api.filters import BooleanFilter, UpdatedAfterFilter

DEFAULT_RADIUS_KM, MAX_RADIUS_KM = 5, 500


class NearbyForm(forms.Form):
    """The search point comes whole: a latitude alone says nothing about where."""

    def clean(self):
        data = super().clean()
        given = {key: self.data.get(key) not in (None, "") for key in ("latitude", "longitude")}
        for key, other in (("latitude", "longitude"), ("longitude", "latitude")):
            if given[other] and not given[key]:
                self.add_error(key, "Give latitude and longitude together.")
        if self.data.get("radius") not in (None, "") and not any(given.values()):
            self.add_error("radius", "A radius needs latitude and longitude.")
        return data


def _unfiltered(queryset, name, value):
    # The search point and radius act together, in LocationFilter.filter_queryset.
    return queryset


class LocationFilter(django_filters.FilterSet):
    latitude = django_filters.NumberFilter(
        method=_unfiltered,
        min_value=-90,
        max_value=90,
        help_text="Search around this point (decimal degrees, with longitude).",
    )
    longitude = django_filters.NumberFilter(
        method=_unfiltered,
        min_value=-180,
        max_value=180,
        help_text="Search around this point (decimal degrees, with latitude).",
    )
    radius = django_filters.NumberFilter(
        method=_unfiltered,
        min_value=0,
        max_value=MAX_RADIUS_KM,
        help_text=f"Search radius in km (default {DEFAULT_RADIUS_KM}, at most {MAX_RADIUS_KM}).",
    )
    city = django_filters.CharFilter(lookup_expr="iexact")
    country = django_filters.CharFilter(
        method="filter_country", help_text="ISO 3166 alpha-2 code, e.g. DE."
    )
    parking_type = django_filters.ChoiceFilter(choices=ParkingType.choices)
    available = BooleanFilter(
        method="filter_available",
        help_text="true: a connector's status is AVAILABLE now.",
    )
    connector_standard = django_filters.ChoiceFilter(
        choices=ConnectorType.choices,
        method="filter_connector_standard",
        help_text="Has a connector of this standard (OCPI ConnectorType).",
    )
    publish = BooleanFilter(help_text="Operators: published or not.")
    updated_after = UpdatedAfterFilter("last_updated")

    class Meta:
        model = Location
        fields = []
        form = NearbyForm

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.upper())

    def filter_available(self, queryset, name, value):
        return locations_with_available_connector(locations=queryset, available=value)

    def filter_connector_standard(self, queryset, name, value):
        return locations_with_connector_standard(locations=queryset, standard=value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("latitude") is None or data.get("longitude") is None:
            # Always there, so ordering by it and showing it never fail.
            return queryset.annotate(distance_km=Value(None, output_field=FloatField()))
        radius = data.get("radius")
        return locations_nearby(
            locations=queryset,
            latitude=float(data["latitude"]),
            longitude=float(data["longitude"]),
            radius_km=float(DEFAULT_RADIUS_KM if radius is None else radius),
        )


STATUS_FILTER_HELP = "The public status (as ``status`` shows it)."


class ChargePointFilter(django_filters.FilterSet):
    location = django_filters.CharFilter(field_name="location_id", help_text="Location id.")
    status = django_filters.ChoiceFilter(
        choices=PublicStatus.choices, method="filter_status", help_text=STATUS_FILTER_HELP
    )
    connected = BooleanFilter()
    updated_after = UpdatedAfterFilter("last_updated")

    class Meta:
        model = ChargePoint
        fields = ["location", "connected", "ocpp_version", "availability_status"]

    def filter_status(self, queryset, name, value):
        return chargepoints_with_public_status(queryset, status=value)


class ConnectorFilter(django_filters.FilterSet):
    updated_after = UpdatedAfterFilter("last_updated")

    status = django_filters.ChoiceFilter(
        choices=PublicStatus.choices, method="filter_status", help_text=STATUS_FILTER_HELP
    )

    class Meta:
        model = Connector
        fields = ["availability_status", "standard", "format", "power_type"]

    def filter_status(self, queryset, name, value):
        return connectors_with_public_status(queryset, status=value)

"""Locations, charge points and connectors: the public read them, operators manage them."""

import re

import django_filters
from django import forms
from django.db.models import FloatField, Value
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts.enums import ConnectorType
from billing.api.serializers import ErrorDetailSerializer
from chargepoints.api.sites.serializers import (
    ChargePointEnergySerializer,
    ChargePointSerializer,
    ConnectorSerializer,
    LocationSerializer,
    PublicChargePointSerializer,
    PublicConnectorSerializer,
    PublicLocationSerializer,
)
from chargepoints.enums import ParkingType
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.selectors import (
    chargepoint_energy_totals,
    chargepoint_list,
    chargepoint_time_zone,
    location_list,
    locations_available,
    locations_nearby,
    locations_with_connector_standard,
)
from chargepoints.services.sites import (
    KEEP,
    InUse,
    chargepoint_create,
    chargepoint_delete,
    chargepoint_update,
    connector_create,
    connector_delete,
    connector_update,
    location_create,
    location_delete,
    location_update,
)
from csms.api.filters import BooleanFilter
from csms.api.permissions import IsOperator, OperatorWrites, is_operator

DEFAULT_RADIUS_KM, MAX_RADIUS_KM = 5, 500
# A path segment routes to the view whatever it holds (a charge point id such
# as "DE*BMW*ETEST1234567890AB" has "*" and may have "." or spaces), so that
# what cannot be an id gets the API's JSON 404 rather than an HTML page.
ANY_SEGMENT = "[^/]+"
# What an id can be. Anything else is answered 404 before it reaches the
# database (PostgreSQL refuses a NUL in text with an error, not a miss).
CHARGEPOINT_ID = re.compile(r"[^/\x00-\x1f\x7f]{1,255}")
OCPI_ID = re.compile(r"[^/\x00-\x1f\x7f]{1,36}")
CONNECTOR_NUMBER = re.compile(r"[0-9]{1,10}")


def require_id(pattern: re.Pattern, value: str) -> None:
    if not pattern.fullmatch(value):
        raise Http404


DETAIL = OpenApiResponse(ErrorDetailSerializer, description="What went wrong.")
FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT, description="Field errors: `{field: [message, ...]}`."
)
DELETED = OpenApiResponse(None, description="Deleted.")
IN_USE = OpenApiResponse(
    ErrorDetailSerializer, description="Refused: transactions (billing records) refer to it."
)
# Who may call: reads are open (anonymous callers are throttled), writes need an operator.
READ_ERRORS = {404: DETAIL, 429: DETAIL}
AUTH_ERRORS = {401: DETAIL, 403: DETAIL, 404: DETAIL, 429: DETAIL}
WRITE_ERRORS = {400: FIELD_ERRORS, **AUTH_ERRORS}
CHARGEPOINT_ID_PARAMETER = OpenApiParameter(
    "chargepoint_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description='The id the charger connects with, e.g. "DE*BMW*ETEST1234567890AB".',
)


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
        help_text="true: a connector is Available on a connected charger now.",
    )
    connector_standard = django_filters.ChoiceFilter(
        choices=ConnectorType.choices,
        method="filter_connector_standard",
        help_text="Has a connector of this standard (OCPI ConnectorType).",
    )
    publish = BooleanFilter(help_text="Operators: published or not.")

    class Meta:
        model = Location
        fields = []
        form = NearbyForm

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.upper())

    def filter_available(self, queryset, name, value):
        return locations_available(locations=queryset, available=value)

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


class ChargePointFilter(django_filters.FilterSet):
    location = django_filters.CharFilter(field_name="location_id", help_text="Location id.")
    connected = BooleanFilter()

    class Meta:
        model = ChargePoint
        fields = ["location", "status", "connected", "ocpp_version", "availability_status"]


class ConnectorFilter(django_filters.FilterSet):
    class Meta:
        model = Connector
        fields = ["status", "availability_status", "standard", "format", "power_type"]


def crud_schema(*, name: str, serializer, detail_of: str = "", parameters=()):
    """The six operations of a resource, documented alike."""
    parameters = list(parameters)
    return extend_schema_view(
        list=extend_schema(
            summary=f"{name}s{detail_of}",
            parameters=parameters,
            responses={200: serializer(many=True), 400: FIELD_ERRORS, **READ_ERRORS},
        ),
        retrieve=extend_schema(
            summary=f"A {name.lower()}",
            parameters=parameters,
            responses={200: serializer, **READ_ERRORS},
        ),
        create=extend_schema(
            summary=f"Create a {name.lower()} (operators)",
            parameters=parameters,
            responses={201: serializer, **WRITE_ERRORS},
        ),
        update=extend_schema(
            summary=f"Replace a {name.lower()} (operators)",
            parameters=parameters,
            responses={200: serializer, **WRITE_ERRORS},
        ),
        partial_update=extend_schema(
            summary=f"Change a {name.lower()} (operators)",
            parameters=parameters,
            responses={200: serializer, **WRITE_ERRORS},
        ),
        destroy=extend_schema(
            summary=f"Delete a {name.lower()} (operators)",
            parameters=parameters,
            responses={204: DELETED, 409: IN_USE, **AUTH_ERRORS},
        ),
    )


class SiteViewSet(viewsets.ModelViewSet):
    """Reads for whoever the queryset lets see; writes for operators, through services."""

    permission_classes = [OperatorWrites]
    public_serializer_class = None
    lookup_value_regex = ANY_SEGMENT
    id_pattern = OCPI_ID
    # JSON only: nested objects (coordinates) and lists (tariff_ids) have no
    # faithful form encoding.
    parser_classes = [JSONParser]

    def get_object(self):
        require_id(self.id_pattern, self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        return super().get_object()

    @property
    def operator(self) -> bool:
        return is_operator(self.request.user)

    def get_serializer_class(self):
        # The schema documents the operator's answer, a superset of the public one.
        if self.operator or getattr(self, "swagger_fake_view", False):
            return self.serializer_class
        return self.public_serializer_class

    def remove(self, instance) -> None:
        raise NotImplementedError

    def destroy(self, request, *args, **kwargs):
        try:
            self.remove(self.get_object())
        except InUse as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


@crud_schema(name="Location", serializer=LocationSerializer)
class LocationViewSet(SiteViewSet):
    """Charging sites with their charge points, live status and tariffs.

    Search nearby with ``latitude`` and ``longitude`` (and ``radius`` in km):
    results carry ``distance_km`` and come nearest first. Unpublished
    locations (OCPI ``publish`` false) are shown to operators only.
    """

    serializer_class = LocationSerializer
    public_serializer_class = PublicLocationSerializer
    filterset_class = LocationFilter
    ordering_fields = ["name", "last_updated", "distance_km"]

    def get_queryset(self):
        return location_list(published_only=not self.operator)

    def perform_create(self, serializer):
        serializer.instance = location_create(fields=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = location_update(
            location=serializer.instance, fields=serializer.validated_data
        )

    def remove(self, location):
        location_delete(location=location)


@crud_schema(name="Charge point", serializer=ChargePointSerializer)
class ChargePointViewSet(SiteViewSet):
    """Charge points with their connectors and live status.

    The public see those at published locations, without what only an
    operator needs (serial numbers, address, firmware...). What the charger
    reports is read-only: its next message would overwrite an edit.
    """

    serializer_class = ChargePointSerializer
    public_serializer_class = PublicChargePointSerializer
    filterset_class = ChargePointFilter
    ordering_fields = ["chargepoint_id", "name", "last_heartbeat"]
    lookup_field = "chargepoint_id"
    id_pattern = CHARGEPOINT_ID

    def get_queryset(self):
        return chargepoint_list(published_only=not self.operator)

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        password = fields.pop("password", None)
        serializer.instance = chargepoint_create(fields=fields, password=password)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        password = fields.pop("password", KEEP)
        serializer.instance = chargepoint_update(
            chargepoint=serializer.instance, fields=fields, password=password
        )

    def remove(self, chargepoint):
        chargepoint_delete(chargepoint=chargepoint)

    @extend_schema(
        summary="Energy delivered by a charge point (operators)",
        responses={200: ChargePointEnergySerializer, **AUTH_ERRORS},
    )
    @action(
        detail=True,
        permission_classes=[IsOperator],
        filter_backends=[],
        pagination_class=None,
        serializer_class=ChargePointEnergySerializer,
    )
    def energy(self, request, chargepoint_id: str):
        """kWh since the start of this day, week (from Monday), month and year.

        The periods start at midnight in the location's time zone.
        """
        chargepoint = self.get_object()
        totals = chargepoint_energy_totals(chargepoint=chargepoint)
        body = {
            "day": totals.day,
            "week": totals.week,
            "month": totals.month,
            "year": totals.year,
            "timezone": str(chargepoint_time_zone(chargepoint=chargepoint)),
        }
        return Response(ChargePointEnergySerializer(body).data)

    def get_serializer_class(self):
        if self.action == "energy":
            return ChargePointEnergySerializer
        return super().get_serializer_class()


@crud_schema(
    name="Connector",
    serializer=ConnectorSerializer,
    detail_of=" of a charge point",
    parameters=[CHARGEPOINT_ID_PARAMETER],
)
class ConnectorViewSet(SiteViewSet):
    """A charge point's connectors, addressed by their number (``connectorid``, from 1)."""

    serializer_class = ConnectorSerializer
    public_serializer_class = PublicConnectorSerializer
    filterset_class = ConnectorFilter
    ordering_fields = ["connectorid", "evse_id", "status"]
    lookup_field = "connectorid"
    id_pattern = CONNECTOR_NUMBER

    @cached_property
    def chargepoint(self) -> ChargePoint:
        require_id(CHARGEPOINT_ID, self.kwargs["chargepoint_id"])
        visible = chargepoint_list(published_only=not self.operator)
        return get_object_or_404(visible, pk=self.kwargs["chargepoint_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Connector.objects.none()
        return self.chargepoint.connectors.prefetch_related("tariff_ids")

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        tariffs = fields.pop("tariff_ids", None)
        serializer.instance = connector_create(
            chargepoint=self.chargepoint, fields=fields, tariffs=tariffs
        )

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        tariffs = fields.pop("tariff_ids", None)
        serializer.instance = connector_update(
            connector=serializer.instance, fields=fields, tariffs=tariffs
        )

    def remove(self, connector):
        connector_delete(connector=connector)

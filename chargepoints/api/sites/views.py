"""Locations, charge points and connectors: the public read them, operators manage them.

Who is an operator here is a matter of model permissions: the view permission
shows unpublished sites and the full serializer, add, change and delete let
write (csms/api/permissions.py).
"""

import re
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from chargepoints.api.sites.extras import (
    Shown,
    connector_extras_save,
    connector_extras_split,
    with_connector_extras,
)
from chargepoints.api.sites.filters import ChargePointFilter, ConnectorFilter, LocationFilter
from chargepoints.api.sites.schema import CHARGEPOINT_ID_PARAMETER, crud_schema
from chargepoints.api.sites.serializers import (
    ChargePointEnergySerializer,
    ChargePointSerializer,
    ConnectorSerializer,
    LocationSerializer,
    PublicChargePointSerializer,
    PublicConnectorSerializer,
    PublicLocationSerializer,
)
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.selectors import (
    chargepoint_energy_totals,
    chargepoint_list,
    chargepoint_time_zone,
    location_list,
)
from chargepoints.services.sites import (
    KEEP,
    PASSWORD_BY_HAND_REFUSED,
    PASSWORD_RIGHT,
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
from chargepoints.status_selectors import connectors_with_activity
from csms.api.parsers import JSONParser
from csms.api.permissions import ModelWrites, holds, requires, sees_all
from csms.api.problems import Conflict

# A path segment routes to the view whatever it holds (a charge point id such
# as "DE*BMW*ETEST1234567890AB" has "*" and may have "." or spaces), so that
# what cannot be an id gets the API's JSON 404 rather than an HTML page.
ANY_SEGMENT = "[^/]+"
# What an id can be. Anything else is answered 404 before it reaches the
# database (PostgreSQL refuses a NUL in text with an error, not a miss).
CHARGEPOINT_ID = re.compile(r"[^/\x00-\x1f\x7f]{1,255}")
OCPI_ID = re.compile(r"[^/\x00-\x1f\x7f]{1,36}")
CONNECTOR_NUMBER = re.compile(r"[0-9]{1,10}")

# Charge points and connectors show connectors, to the public or to operators.
CONNECTOR_EXTRAS = [Shown.PUBLIC_CONNECTOR, Shown.CONNECTOR]


def require_id(pattern: re.Pattern, value: str) -> None:
    if not pattern.fullmatch(value):
        raise Http404


class SiteViewSet(viewsets.ModelViewSet):
    """Reads for whoever the queryset lets see; writes for operators, through services."""

    permission_classes = [ModelWrites]
    model = None  # whose view permission shows everything (``operator``)
    public_serializer_class = None
    lookup_value_regex = ANY_SEGMENT
    id_pattern = OCPI_ID
    # JSON only: nested objects (coordinates) and lists (of ids) have no
    # faithful form encoding.
    parser_classes = [JSONParser]

    def get_object(self):
        require_id(self.id_pattern, self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        return super().get_object()

    @property
    def operator(self) -> bool:
        return sees_all(self.request.user, self.model)

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
            raise Conflict(str(refusal), code="in_use") from None
        return Response(status=status.HTTP_204_NO_CONTENT)


@crud_schema(name="Location", serializer=LocationSerializer)
class LocationViewSet(SiteViewSet):
    """Charging sites with their charge points, live status and tariffs.

    Search nearby with ``latitude`` and ``longitude`` (and ``radius`` in km):
    results carry ``distance_km`` and come nearest first. Unpublished
    locations (OCPI ``publish`` false) are shown to operators only.
    """

    model = Location
    serializer_class = LocationSerializer
    public_serializer_class = PublicLocationSerializer
    filterset_class = LocationFilter
    ordering_fields = ["name", "last_updated", "distance_km"]

    def get_queryset(self):
        locations = location_list(published_only=not self.operator)
        return with_connector_extras(
            locations,
            shown=[Shown.LOCATION, Shown.PUBLIC_CONNECTOR],
            path="chargepoints__connectors__",
        )

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

    model = ChargePoint
    serializer_class = ChargePointSerializer
    public_serializer_class = PublicChargePointSerializer
    filterset_class = ChargePointFilter
    ordering_fields = ["chargepoint_id", "name", "last_heartbeat"]
    lookup_field = "chargepoint_id"
    id_pattern = CHARGEPOINT_ID

    def get_queryset(self):
        chargepoints = chargepoint_list(published_only=not self.operator)
        return with_connector_extras(chargepoints, shown=CONNECTOR_EXTRAS, path="connectors__")

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        password = fields.pop("password", None)
        if password:
            self._may_set_password()
        serializer.instance = chargepoint_create(fields=fields, password=password)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        password = fields.pop("password", KEEP)
        if password is not KEEP:
            self._may_set_password()
        serializer.instance = chargepoint_update(
            chargepoint=serializer.instance, fields=fields, password=password
        )

    def _may_set_password(self) -> None:
        # A password set or removed by hand is the charger's credential, as
        # one the rotation gives it: the same right, refused as any other (403).
        if not holds(self.request.user, PASSWORD_RIGHT):
            self.permission_denied(self.request, message=PASSWORD_BY_HAND_REFUSED)

    def remove(self, chargepoint):
        chargepoint_delete(chargepoint=chargepoint)

    @extend_schema(
        summary="Energy delivered by a charge point (operators)",
        responses={200: ChargePointEnergySerializer},
    )
    @action(
        detail=True,
        # The figures add up the charger's transactions: reading them is what it takes.
        permission_classes=[requires("chargepoints.view_transaction")],
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
    """A charge point's connectors, addressed by their number (``connector_id``, from 1)."""

    model = Connector
    serializer_class = ConnectorSerializer
    public_serializer_class = PublicConnectorSerializer
    filterset_class = ConnectorFilter
    ordering_fields = ["connector_id", "evse_number"]
    lookup_field = "connectorid"
    lookup_url_kwarg = "connector_id"
    id_pattern = CONNECTOR_NUMBER

    @cached_property
    def chargepoint(self) -> ChargePoint:
        require_id(CHARGEPOINT_ID, self.kwargs["chargepoint_id"])
        visible = chargepoint_list(published_only=not sees_all(self.request.user, ChargePoint))
        return get_object_or_404(visible, pk=self.kwargs["chargepoint_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Connector.objects.none()
        connectors = connectors_with_activity(self.chargepoint.connectors.all()).annotate(
            # The API's names, to order by.
            connector_id=F("connectorid"),
            evse_number=F("evse_id"),
        )
        return with_connector_extras(connectors, shown=CONNECTOR_EXTRAS)

    @transaction.atomic
    def perform_create(self, serializer):
        fields, extras = connector_extras_split(serializer.validated_data)
        with _api_field_names():
            connector = connector_create(chargepoint=self.chargepoint, fields=fields)
        connector_extras_save(connector=connector, extras=extras)
        serializer.instance = connector

    @transaction.atomic
    def perform_update(self, serializer):
        fields, extras = connector_extras_split(serializer.validated_data)
        with _api_field_names():
            connector = connector_update(connector=serializer.instance, fields=fields)
        connector_extras_save(connector=connector, extras=extras)
        serializer.instance = connector

    def remove(self, connector):
        connector_delete(connector=connector)


# The model's names of connector fields, and the API's (chargepoints/api/sites/serializers.py).
_CONNECTOR_FIELD_NAMES = {"connectorid": "connector_id", "evse_id": "evse_number"}


@contextmanager
def _api_field_names():
    """A service's refusal of connector fields, named as the API names them."""
    try:
        yield
    except DjangoValidationError as refusal:
        if not hasattr(refusal, "error_dict"):
            raise
        raise DjangoValidationError(
            {
                _CONNECTOR_FIELD_NAMES.get(name, name): errors
                for name, errors in refusal.error_dict.items()
            }
        ) from None

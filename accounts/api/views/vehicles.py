"""Drivers' vehicles."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from accounts.api import examples as ex
from accounts.api import serializers as s
from accounts.api.schema import ANY_SEGMENT, AUTH, ID, LIST, NO_CONTENT, responses
from accounts.enums import VehicleType
from accounts.models import UserVehicle
from accounts.services import vehicle_create, vehicle_update
from csms.api.filters import IdFilter
from csms.api.permissions import OwnedOrPermitted


class VehicleFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=VehicleType.choices)
    make = django_filters.CharFilter(lookup_expr="iexact", max_length=50)
    user = IdFilter(field_name="user_id", help_text="Operators: one user's.")

    class Meta:
        model = UserVehicle
        fields = ["type", "make", "user"]


@extend_schema_view(
    list=extend_schema(
        summary="Your vehicles (operators: everyone's)",
        examples=ex.VEHICLE,
        responses=responses({200: s.VehicleSerializer(many=True)}, *LIST),
    ),
    retrieve=extend_schema(
        parameters=[ID],
        responses=responses({200: s.VehicleSerializer}, *AUTH, 404),
        examples=ex.VEHICLE,
    ),
    create=extend_schema(
        responses=responses({201: s.VehicleSerializer}, 400, *AUTH), examples=ex.VEHICLE
    ),
    update=extend_schema(
        parameters=[ID],
        responses=responses({200: s.VehicleSerializer}, 400, *AUTH, 404),
        examples=ex.VEHICLE,
    ),
    partial_update=extend_schema(
        parameters=[ID],
        responses=responses({200: s.VehicleSerializer}, 400, *AUTH, 404),
        examples=ex.VEHICLE,
    ),
    destroy=extend_schema(parameters=[ID], responses=responses(NO_CONTENT, *AUTH, 404)),
)
class VehicleViewSet(OwnedOrPermitted, viewsets.ModelViewSet):
    """Drivers' cars (seed 003 UserVehicle): your own; operators see and manage all."""

    queryset = UserVehicle.objects.all()
    serializer_class = s.VehicleSerializer
    filterset_class = VehicleFilter
    ordering_fields = ["license_plate", "created_at"]
    ordering = ["license_plate"]
    lookup_value_regex = ANY_SEGMENT

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = data.pop("user", self.request.user)
        serializer.instance = vehicle_create(user=user, **data)

    def perform_update(self, serializer):
        serializer.instance = vehicle_update(
            vehicle=serializer.instance, data=serializer.validated_data
        )

"""Locations, charge points and connectors as the API shows them.

Each resource has a public serializer (anonymous callers and drivers) and an
operator one that adds fields; the OpenAPI schema describes the operator one,
with its extra fields optional (see ``chargepoints.api.sites.schema``).
Connectors and locations also show the fields other apps register (billing:
their tariffs; ``chargepoints.api.sites.extras``).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chargepoints.api.sites.extras import Shown, WithExtraFields
from chargepoints.api.sites.schema import OperatorSerializer
from chargepoints.enums import ChargePointStatus, OcppProtocol
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.services.connections import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from csms.api.fields import (
    OcpiIdRelatedField,
    StrictCharField,
    StrictFloatField,
    StrictModelSerializer,
    TimeZoneField,
)

MAX_INT32 = 2**31 - 1


class ChargerPasswordField(StrictCharField):
    """OCPP security profile 1 password: 16 to 40 characters; "" or null for none."""

    def __init__(self, **kwargs):
        super().__init__(
            allow_blank=True,
            allow_null=True,
            trim_whitespace=False,
            min_length=PASSWORD_MIN_LENGTH,
            max_length=PASSWORD_MAX_LENGTH,
            **kwargs,
        )


class CoordinatesSerializer(serializers.Serializer):
    """Decimal degrees (WGS 84). Stored as OCPI 2.2.1 GeoLocation strings, shown as numbers."""

    latitude = StrictFloatField(min_value=-90, max_value=90)
    longitude = StrictFloatField(min_value=-180, max_value=180)

    def validate(self, attrs):
        # A PATCH makes nested fields optional too; a point is only ever whole.
        missing = {"latitude", "longitude"} - set(attrs)
        if missing:
            raise serializers.ValidationError(
                {key: ["This field is required."] for key in sorted(missing)}
            )
        return attrs


# --- Connectors ------------------------------------------------------------------------------

PUBLIC_CONNECTOR_FIELDS = [
    "connectorid",
    "evse_id",
    "evse_connector_id",
    "standard",
    "format",
    "power_type",
    "max_power",
    "max_current",
    "max_voltage",
    "status",
    "reported_status",
    "availability_status",
    "error_code",
    "status_timestamp",
    "last_updated",
]
CONNECTOR_REPORTED = [
    "status",
    "reported_status",
    "availability_status",
    "error_code",
    "status_timestamp",
    "current_limit",
    "last_updated",
]


REPORTED_STATUS_HELP = (
    "The status in the charger's own words (OCPP 1.6 or 2.0.1); "
    "``status`` is the same in one vocabulary for every charger."
)


class PublicConnectorSerializer(WithExtraFields, StrictModelSerializer):
    """A connector as everyone sees it, with its live status."""

    extra_shown = Shown.PUBLIC_CONNECTOR
    reported_status = serializers.ChoiceField(
        source="connector_status",
        choices=ChargePointStatus.choices,
        read_only=True,
        help_text=REPORTED_STATUS_HELP,
    )

    class Meta:
        model = Connector
        fields = PUBLIC_CONNECTOR_FIELDS
        read_only_fields = fields


class ConnectorSerializer(OperatorSerializer, PublicConnectorSerializer):
    """A connector. ``current_limit`` is shown to operators only."""

    public_serializer = PublicConnectorSerializer
    extra_shown = Shown.CONNECTOR

    class Meta:
        model = Connector
        fields = [*PUBLIC_CONNECTOR_FIELDS, "current_limit"]
        read_only_fields = CONNECTOR_REPORTED
        extra_kwargs = {
            "max_power": {"min_value": 0},
            "max_current": {"min_value": 0},
            "max_voltage": {"min_value": 0},
            # OCPP numbers outlets from 1 (0 is the charger itself), within a
            # 32-bit integer column on every database.
            "connectorid": {"min_value": 1, "max_value": MAX_INT32},
            "evse_id": {"min_value": 1, "max_value": MAX_INT32},
            "evse_connector_id": {"min_value": 1, "max_value": MAX_INT32},
        }


# --- Charge points ---------------------------------------------------------------------------

PUBLIC_CHARGEPOINT_FIELDS = [
    "chargepoint_id",
    "name",
    "location",
    "latitude",
    "longitude",
    "max_power",
    "connector_count",
    "status",
    "availability_status",
    "error_code",
    "connected",
    "last_heartbeat",
    "ocpp_version",
    "connectors",
]
# What the charger reports about itself: operators read it, the charger writes it.
CHARGEPOINT_REPORTED = [
    "status",
    "availability_status",
    "error_code",
    "connected",
    "last_heartbeat",
    "ocpp_version",
    "reported_status",
    "status_timestamp",
    "chargepoint_vendor",
    "chargepoint_model",
    "chargepoint_serial_number",
    "chargebox_serial_number",
    "firmware_version",
    "iccid",
    "imsi",
    "meter_type",
    "meter_serial_number",
    "boot_reason",
    "last_boot_at",
    "ip_address",
    "websocket_port",
    "local_list_version",
    "created_at",
    "last_updated",
]


class PublicChargePointSerializer(StrictModelSerializer):
    location = serializers.CharField(source="location_id", read_only=True, allow_null=True)
    # Empty until the charger first connects.
    ocpp_version = serializers.ChoiceField(
        choices=OcppProtocol.choices, allow_blank=True, read_only=True
    )
    connectors = PublicConnectorSerializer(many=True, read_only=True)

    class Meta:
        model = ChargePoint
        fields = PUBLIC_CHARGEPOINT_FIELDS
        read_only_fields = fields


class ChargePointSerializer(OperatorSerializer, PublicChargePointSerializer):
    """A charge point. Fields beyond the public ones are shown to operators only."""

    public_serializer = PublicChargePointSerializer
    reported_status = serializers.ChoiceField(
        source="chargepoint_status",
        choices=ChargePointStatus.choices,
        read_only=True,
        help_text=REPORTED_STATUS_HELP,
    )
    location = OcpiIdRelatedField(
        queryset=Location.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of the location; null for a charger not placed yet.",
    )
    connectors = ConnectorSerializer(many=True, read_only=True)
    password = ChargerPasswordField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        help_text="HTTP Basic password the charger must present (OCPP security profile 1, "
        "16 to 40 characters); empty or null: none. Stored hashed, never shown. Setting or "
        "removing it needs the permission chargepoints.rotate_password (else 403).",
    )
    has_password = serializers.SerializerMethodField()

    class Meta:
        model = ChargePoint
        fields = [
            *PUBLIC_CHARGEPOINT_FIELDS,
            "registration_status",
            "password",
            "has_password",
            *(name for name in CHARGEPOINT_REPORTED if name not in PUBLIC_CHARGEPOINT_FIELDS),
        ]
        read_only_fields = CHARGEPOINT_REPORTED
        extra_kwargs = {
            "max_power": {"min_value": 0},
            # The column is a small integer on PostgreSQL.
            "connector_count": {"min_value": 0, "max_value": 32767},
        }

    def get_has_password(self, chargepoint: ChargePoint) -> bool:
        return bool(chargepoint.password)


# --- Locations -------------------------------------------------------------------------------


class LocationChargePointSerializer(StrictModelSerializer):
    """A charge point of a location with its live status."""

    connectors = PublicConnectorSerializer(many=True, read_only=True)

    class Meta:
        model = ChargePoint
        fields = [
            "chargepoint_id",
            "name",
            "max_power",
            "status",
            "availability_status",
            "error_code",
            "connected",
            "last_heartbeat",
            "connectors",
        ]
        read_only_fields = fields


PUBLIC_LOCATION_FIELDS = [
    "id",
    "name",
    "address",
    "city",
    "postal_code",
    "state",
    "country",
    "coordinates",
    "parking_type",
    "time_zone",
    "last_updated",
    "distance_km",
    "chargepoints",
]


class PublicLocationSerializer(WithExtraFields, StrictModelSerializer):
    extra_shown = Shown.LOCATION
    coordinates = CoordinatesSerializer()
    time_zone = TimeZoneField(required=False, help_text='IANA name, e.g. "Europe/Berlin".')
    distance_km = serializers.SerializerMethodField(
        help_text="Great-circle distance from the searched point; null when not searching."
    )
    chargepoints = LocationChargePointSerializer(many=True, read_only=True)

    class Meta:
        model = Location
        fields = PUBLIC_LOCATION_FIELDS
        read_only_fields = ["id", "last_updated"]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, location: Location) -> float | None:
        distance = getattr(location, "distance_km", None)
        return None if distance is None else round(distance, 3)


class LocationSerializer(OperatorSerializer, PublicLocationSerializer):
    """A location (OCPI 2.2.1 Location). Fields beyond the public ones are for operators only."""

    public_serializer = PublicLocationSerializer

    class Meta(PublicLocationSerializer.Meta):
        fields = [
            *PUBLIC_LOCATION_FIELDS,
            "publish",
            "country_code",
            "party_id",
            "substation_id",
        ]


# --- Energy ----------------------------------------------------------------------------------


class ChargePointEnergySerializer(serializers.Serializer):
    """Energy delivered (kWh) since the start of the current day, week, month and year."""

    day = serializers.FloatField()
    week = serializers.FloatField()
    month = serializers.FloatField()
    year = serializers.FloatField()
    timezone = serializers.CharField(help_text="The time zone the periods start in.")

"""Locations, charge points and connectors as the API shows them.

Each resource has a public serializer (anonymous callers and drivers) and an
operator one that adds fields; the OpenAPI schema describes the operator one,
with its extra fields optional (see ``chargepoints.api.sites.schema``).
Connectors and locations also show the fields other apps register (billing:
their tariffs; ``chargepoints.api.sites.extras``).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chargepoints.api import examples as ex
from chargepoints.api import help_texts as docs
from chargepoints.api.sites.extras import Shown, WithExtraFields
from chargepoints.api.sites.schema import OperatorSerializer
from chargepoints.api.sites.status_fields import (
    OCPP_STATUS_HELP,
    ChargePointConfirmedAtField,
    ChargePointStatusField,
    ConnectorConfirmedAtField,
    ConnectorStatusField,
    EvseIdField,
)
from chargepoints.enums import ChargePointStatus, OcppProtocol
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.services.connections import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from csms.api.fields import (
    NullableCharField,
    NullableChoiceField,
    OcpiIdRelatedField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
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

    class Meta:
        help_texts = docs.COORDINATES

    def validate(self, attrs):
        # A PATCH makes nested fields optional too; a point is only ever whole.
        missing = {"latitude", "longitude"} - set(attrs)
        if missing:
            raise serializers.ValidationError(
                {key: [_("This field is required.")] for key in sorted(missing)}, code="required"
            )
        return attrs


# --- Connectors ------------------------------------------------------------------------------

PUBLIC_CONNECTOR_FIELDS = [
    "connector_id",
    "evse_id",
    "evse_number",
    "evse_connector_id",
    "standard",
    "format",
    "power_type",
    "max_power",
    "max_current",
    "max_voltage",
    "status",
    "status_confirmed_at",
    "last_updated",
]
# What the charger reports: operators read it, the charger writes it.
CONNECTOR_REPORTED = [
    "ocpp_status",
    "availability_status",
    "error_code",
    "status_timestamp",
    "current_limit",
    "last_updated",
]
CONNECTOR_NUMBERS = {
    # OCPP numbers outlets from 1 (0 is the charger itself), within a
    # 32-bit integer column on every database.
    "connector_id": {"min_value": 1, "max_value": MAX_INT32},
    "evse_number": {"min_value": 1, "max_value": MAX_INT32},
    "evse_connector_id": {"min_value": 1, "max_value": MAX_INT32},
}
OCPP_HELP = "In OCPP's spelling (quoted from the charger's reports), not an API enum."
CONNECTOR_ID_HELP = "The connector's number on its charger, from 1 (OCPP connectorId)."
EVSE_NUMBER_HELP = "OCPP 2.0.1 EVSE the connector belongs to; null on OCPP 1.6 chargers."


class PublicConnectorSerializer(WithExtraFields, StrictModelSerializer):
    """A connector as everyone sees it, with its public status."""

    extra_shown = Shown.PUBLIC_CONNECTOR
    connector_id = StrictIntegerField(
        source="connectorid", read_only=True, help_text=CONNECTOR_ID_HELP
    )
    evse_id = EvseIdField()
    evse_number = StrictIntegerField(
        source="evse_id", read_only=True, allow_null=True, help_text=EVSE_NUMBER_HELP
    )
    status = ConnectorStatusField()
    status_confirmed_at = ConnectorConfirmedAtField()

    class Meta:
        model = Connector
        fields = PUBLIC_CONNECTOR_FIELDS
        read_only_fields = fields
        help_texts = docs.CONNECTOR


@extend_schema_serializer(examples=ex.CONNECTOR)
class ConnectorSerializer(OperatorSerializer, PublicConnectorSerializer):
    """A connector. What its charger reports raw is shown to operators only."""

    public_serializer = PublicConnectorSerializer
    extra_shown = Shown.CONNECTOR
    connector_id = StrictIntegerField(
        source="connectorid", help_text=CONNECTOR_ID_HELP, **CONNECTOR_NUMBERS["connector_id"]
    )
    evse_number = StrictIntegerField(
        source="evse_id",
        allow_null=True,
        required=False,
        help_text=EVSE_NUMBER_HELP,
        **CONNECTOR_NUMBERS["evse_number"],
    )
    ocpp_status = serializers.ChoiceField(
        source="connector_status",
        choices=ChargePointStatus.choices,
        read_only=True,
        help_text=OCPP_STATUS_HELP,
    )

    class Meta:
        model = Connector
        fields = [*PUBLIC_CONNECTOR_FIELDS, *CONNECTOR_REPORTED]
        read_only_fields = CONNECTOR_REPORTED
        extra_kwargs = {
            "max_power": {"min_value": 0},
            "max_current": {"min_value": 0},
            "max_voltage": {"min_value": 0},
            "evse_connector_id": CONNECTOR_NUMBERS["evse_connector_id"],
            "availability_status": {"help_text": OCPP_HELP},
            "error_code": {"help_text": OCPP_HELP},
            "status_timestamp": {"help_text": "Charger time of the status report in force."},
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
    "status_confirmed_at",
    "connected",
    "last_heartbeat",
    "ocpp_version",
    "connectors",
]
# What the charger reports about itself: operators read it, the charger writes it.
CHARGEPOINT_REPORTED = [
    "status",
    "status_confirmed_at",
    "connected",
    "last_heartbeat",
    "ocpp_version",
    "ocpp_status",
    "availability_status",
    "error_code",
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
OCPP_VERSION_HELP = (
    'The OCPP-J WebSocket subprotocol it connected with ("ocpp1.6", "ocpp2.0.1"), '
    "spelled as the protocol names it; null until it first connects."
)


class PublicChargePointSerializer(StrictModelSerializer):
    location = serializers.CharField(source="location_id", read_only=True, allow_null=True)
    status = ChargePointStatusField()
    status_confirmed_at = ChargePointConfirmedAtField()
    ocpp_version = NullableChoiceField(
        choices=OcppProtocol.choices, read_only=True, help_text=OCPP_VERSION_HELP
    )
    connectors = PublicConnectorSerializer(many=True, read_only=True)

    class Meta:
        model = ChargePoint
        fields = PUBLIC_CHARGEPOINT_FIELDS
        read_only_fields = fields
        help_texts = docs.CHARGEPOINT


@extend_schema_serializer(examples=ex.CHARGEPOINT)
class ChargePointSerializer(OperatorSerializer, PublicChargePointSerializer):
    """A charge point. Fields beyond the public ones are shown to operators only."""

    public_serializer = PublicChargePointSerializer
    ocpp_status = serializers.ChoiceField(
        source="chargepoint_status",
        choices=ChargePointStatus.choices,
        read_only=True,
        help_text=OCPP_STATUS_HELP + " Connector 0: the charger as a whole.",
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
    boot_reason = NullableCharField(read_only=True)

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
            "availability_status": {"help_text": OCPP_HELP},
            "error_code": {"help_text": OCPP_HELP},
            "registration_status": {
                "help_text": "How its next BootNotification is answered. " + OCPP_HELP
            },
        }

    def get_has_password(self, chargepoint: ChargePoint) -> bool:
        return bool(chargepoint.password)


# --- Locations -------------------------------------------------------------------------------


class LocationChargePointSerializer(StrictModelSerializer):
    """A charge point of a location with its public status."""

    status = ChargePointStatusField()
    status_confirmed_at = ChargePointConfirmedAtField()
    connectors = PublicConnectorSerializer(many=True, read_only=True)

    class Meta:
        model = ChargePoint
        fields = [
            "chargepoint_id",
            "name",
            "max_power",
            "status",
            "status_confirmed_at",
            "connected",
            "last_heartbeat",
            "connectors",
        ]
        read_only_fields = fields
        help_texts = docs.CHARGEPOINT


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
        help_texts = docs.LOCATION

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, location: Location) -> float | None:
        distance = getattr(location, "distance_km", None)
        return None if distance is None else round(distance, 3)


@extend_schema_serializer(examples=ex.LOCATION)
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


@extend_schema_serializer(examples=ex.CHARGEPOINT_ENERGY)
class ChargePointEnergySerializer(serializers.Serializer):
    """Energy delivered (kWh) since the start of the current day, week, month and year."""

    day = serializers.FloatField()
    week = serializers.FloatField()
    month = serializers.FloatField()
    year = serializers.FloatField()
    timezone = serializers.CharField(help_text="The time zone the periods start in.")

    class Meta:
        help_texts = docs.ENERGY

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from accounts.enums import ConnectorType
from chargepoints.enums import (
    AttributeType,
    AvailabilityType,
    ChargePointErrorCode,
    ChargePointStatus,
    ChargerEventKind,
    ConnectorFormat,
    NormalizedStatus,
    OcppProtocol,
    PowerType,
    RegistrationStatus,
    SecurityProfile,
)
from csms.ids import uuid7

# Any printable character but "/" (it separates URL path segments), at most
# 48 of them (OCPP 2.0.1 identity). The BMW wallbox of seed 004 is
# "DE*BMW*ETEST1234567890AB". The column keeps seed 000's 255.
CHARGEPOINT_ID_MAX_LENGTH = 48
validate_chargepoint_id = RegexValidator(
    rf"^[^/\x00-\x1f\x7f]{{1,{CHARGEPOINT_ID_MAX_LENGTH}}}$",
    f"A charge point id holds 1 to {CHARGEPOINT_ID_MAX_LENGTH} printable characters, no '/'.",
)


class ChargePoint(models.Model):
    """A charging station, identified by the id it connects with (seed 000)."""

    chargepoint_id = models.CharField(
        max_length=255, primary_key=True, validators=[validate_chargepoint_id]
    )
    name = models.CharField(max_length=100, blank=True)
    location = models.ForeignKey(
        "chargepoints.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chargepoints",
        help_text="Empty for a charger registered on first connection until placed.",
    )
    latitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    max_power = models.FloatField("max power (kW)", null=True, blank=True)
    connector_count = models.PositiveSmallIntegerField(
        default=1, help_text="Connectors the charger has, as its vendor specifies."
    )

    # OCPP security profiles (1.6 security whitepaper ed. 3, 2.0.1 part 2 A00):
    # how strongly this charger must prove who it is at the handshake.
    security_profile = models.PositiveSmallIntegerField(
        choices=SecurityProfile.choices,
        default=SecurityProfile.NONE,
        help_text="A charger connecting with less than this is refused.",
    )
    # Profiles 1 and 2: HTTP Basic auth. A Django password hash, never the
    # password itself.
    password = models.CharField(max_length=128, blank=True, editable=False)
    # A new password sent to the charger whose acceptance never reached us
    # (timed out, or the connection or server died first): the charger may
    # have taken it. Presented, it admits the charger and becomes its password.
    password_unconfirmed = models.CharField(max_length=128, blank=True, editable=False)
    # Profile 3: the client certificate it last connected with.
    client_cert_serial = models.CharField(
        "client certificate serial", max_length=64, blank=True, editable=False
    )
    client_cert_fingerprint = models.CharField(
        "client certificate SHA-256", max_length=64, blank=True, editable=False
    )
    auto_registered = models.BooleanField(
        default=False, editable=False, help_text="Registered by its first connection."
    )

    # Reported by the charger.
    connected = models.BooleanField(default=False)
    connection_id = models.CharField(
        max_length=100,
        blank=True,
        editable=False,
        help_text="The live connection; a disconnect of a replaced one leaves the flag alone.",
    )
    connection_process = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        db_index=True,
        help_text="The server process holding the live connection (ServerProcess).",
    )
    frames_refused = models.PositiveBigIntegerField(
        default=0, editable=False, help_text="Frames refused by the per-charger flood limits."
    )
    chargepoint_status = models.CharField(
        max_length=20, choices=ChargePointStatus.choices, default=ChargePointStatus.UNKNOWN
    )
    status = models.CharField(
        max_length=20, choices=NormalizedStatus.choices, default=NormalizedStatus.UNKNOWN
    )
    availability_status = models.CharField(
        max_length=11, choices=AvailabilityType.choices, default=AvailabilityType.OPERATIVE
    )
    error_code = models.CharField(
        max_length=30, choices=ChargePointErrorCode.choices, default=ChargePointErrorCode.NO_ERROR
    )
    status_timestamp = models.DateTimeField(
        null=True, blank=True, help_text="Charger time of the station status in force."
    )
    ocpp_version = models.CharField(max_length=10, choices=OcppProtocol.choices, blank=True)
    registration_status = models.CharField(
        max_length=10,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.ACCEPTED,
        help_text="How the next BootNotification is answered.",
    )
    chargepoint_vendor = models.CharField("vendor", max_length=50, blank=True)
    chargepoint_model = models.CharField("model", max_length=50, blank=True)
    chargepoint_serial_number = models.CharField("serial number", max_length=25, blank=True)
    chargebox_serial_number = models.CharField(
        "charge box serial number", max_length=25, blank=True
    )
    firmware_version = models.CharField(max_length=50, blank=True)
    iccid = models.CharField("modem ICCID", max_length=20, blank=True)
    imsi = models.CharField("modem IMSI", max_length=20, blank=True)
    meter_type = models.CharField(max_length=25, blank=True)
    meter_serial_number = models.CharField(max_length=25, blank=True)
    boot_reason = models.CharField(max_length=20, blank=True)
    last_boot_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    websocket_port = models.PositiveIntegerField(null=True, blank=True)
    last_heartbeat = models.DateTimeField(null=True, blank=True)
    local_list_version = models.IntegerField(
        null=True,
        blank=True,
        help_text="Version of the local authorization list the charger holds, as last known.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "charge point"
        ordering = ["chargepoint_id"]
        permissions = [
            ("rotate_password", "Can give a charger a new password (sent to the charger)")
        ]
        indexes = [
            # The cap on auto-registrations counts the last minute's: only
            # those rows enter this index.
            models.Index(
                fields=["created_at"],
                condition=models.Q(auto_registered=True),
                name="chargepoint_auto_registered",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.chargepoint_id


class Connector(models.Model):
    """One outlet of a charge point (seed 000 Connector).

    ``connectorid`` numbers the connectors of one charger from 1 (OCPP 1.6
    connectorId). OCPP 2.0.1 addresses an outlet as (EVSE id, connector id
    within the EVSE); those two fields locate it for 2.0.1 chargers.
    """

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chargepoint = models.ForeignKey(
        ChargePoint, on_delete=models.CASCADE, related_name="connectors"
    )
    connectorid = models.PositiveIntegerField("connector id", validators=[MinValueValidator(1)])
    evse_id = models.PositiveIntegerField("EVSE id", null=True, blank=True)
    evse_connector_id = models.PositiveIntegerField("connector id in EVSE", null=True, blank=True)

    standard = models.CharField(
        max_length=32, choices=ConnectorType.choices, default=ConnectorType.IEC_62196_T2
    )
    format = models.CharField(
        max_length=10, choices=ConnectorFormat.choices, default=ConnectorFormat.SOCKET
    )
    power_type = models.CharField(
        max_length=20, choices=PowerType.choices, default=PowerType.AC_3_PHASE
    )
    max_power = models.FloatField("max power (kW)", null=True, blank=True)
    max_current = models.FloatField("max current (A)", null=True, blank=True)
    max_voltage = models.FloatField("max voltage (V)", null=True, blank=True)
    current_limit = models.FloatField(
        "current limit (A)",
        null=True,
        blank=True,
        help_text="Limit last accepted by the charger for this outlet (seed 004).",
    )

    # Reported by the charger.
    availability_status = models.CharField(
        max_length=11, choices=AvailabilityType.choices, default=AvailabilityType.OPERATIVE
    )
    connector_status = models.CharField(
        max_length=20, choices=ChargePointStatus.choices, default=ChargePointStatus.UNKNOWN
    )
    status = models.CharField(
        max_length=20, choices=NormalizedStatus.choices, default=NormalizedStatus.UNKNOWN
    )
    error_code = models.CharField(
        max_length=30, choices=ChargePointErrorCode.choices, default=ChargePointErrorCode.NO_ERROR
    )
    status_timestamp = models.DateTimeField(
        null=True, blank=True, help_text="Charger time of the status report in force."
    )
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chargepoint", "connectorid"]
        constraints = [
            # Seed 002: a connector id is unique within its charge point.
            models.UniqueConstraint(
                fields=["chargepoint", "connectorid"], name="connector_unique_per_chargepoint"
            ),
            models.UniqueConstraint(
                fields=["chargepoint", "evse_id", "evse_connector_id"],
                name="connector_unique_per_evse",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chargepoint_id} #{self.connectorid}"


class StatusNotification(models.Model):
    """Every status a charger reported, kept as history (seed 000)."""

    uuid = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    chargepoint = models.ForeignKey(
        ChargePoint, on_delete=models.CASCADE, related_name="status_notifications"
    )
    connector = models.ForeignKey(
        Connector,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_notifications",
        help_text="Empty when the status is about the whole charge point (connector 0).",
    )
    evse_id = models.PositiveIntegerField("EVSE id", null=True, blank=True)
    status_reported = models.CharField(max_length=20, choices=ChargePointStatus.choices)
    error_code = models.CharField(
        max_length=30, choices=ChargePointErrorCode.choices, default=ChargePointErrorCode.NO_ERROR
    )
    info = models.CharField(max_length=50, blank=True)
    vendor_id = models.CharField(max_length=255, blank=True)
    vendor_error_code = models.CharField(max_length=50, blank=True)
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["chargepoint", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.chargepoint_id}: {self.status_reported}"


class Heartbeat(models.Model):
    """A heartbeat received from a charge point (seed 001)."""

    chargepoint = models.ForeignKey(
        ChargePoint, on_delete=models.CASCADE, related_name="heartbeats"
    )
    timestamp = models.DateTimeField()

    class Meta:
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["chargepoint", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.chargepoint_id} at {self.timestamp:%Y-%m-%d %H:%M:%S}"


class ConfigurationVariable(models.Model):
    """A charger setting: a 1.6 configuration key or a 2.0.1 device-model variable.

    Both versions fill this one store, so the LED brightness of seed 004
    (ChargingStation.StatusLedBrightness) and a 1.6 key such as
    HeartbeatInterval are read and shown the same way. A 1.6 key has an empty
    component and the Actual attribute.
    """

    chargepoint = models.ForeignKey(
        ChargePoint, on_delete=models.CASCADE, related_name="configuration"
    )
    component = models.CharField(max_length=50, blank=True)
    component_instance = models.CharField(max_length=50, blank=True)
    evse_id = models.PositiveIntegerField(
        "EVSE id", default=0, help_text="0 when the variable is not about one EVSE."
    )
    evse_connector_id = models.PositiveIntegerField("connector id in EVSE", default=0)
    variable = models.CharField(max_length=50)
    variable_instance = models.CharField(max_length=50, blank=True)
    attribute_type = models.CharField(
        max_length=10, choices=AttributeType.choices, default=AttributeType.ACTUAL
    )
    value = models.CharField(max_length=2500, blank=True)
    readonly = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chargepoint", "component", "variable"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "chargepoint",
                    "component",
                    "component_instance",
                    "evse_id",
                    "evse_connector_id",
                    "variable",
                    "variable_instance",
                    "attribute_type",
                ],
                name="configuration_variable_unique",
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.component}.{self.variable}" if self.component else self.variable
        return f"{name} = {self.value}"


class ChargerEvent(models.Model):
    """A report with no entity of its own: firmware progress, security events...

    ``status`` holds the one value an operator filters by (a firmware status,
    a security event type, a monitoring trigger); ``payload`` keeps the whole
    report as the charger sent it.
    """

    chargepoint = models.ForeignKey(ChargePoint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=ChargerEventKind.choices)
    status = models.CharField(max_length=100, blank=True)
    evse_id = models.PositiveIntegerField("EVSE id", null=True, blank=True)
    request_id = models.IntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)
    payload = models.JSONField(default=dict)
    timestamp = models.DateTimeField(help_text="Charger time, or reception time when it sent none.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["chargepoint", "kind", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.chargepoint_id}: {self.get_kind_display()} {self.status}".strip()

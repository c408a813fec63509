"""Stations: what a charger is, how it connects and what it reports about itself."""

from django.db import models


class OcppProtocol(models.TextChoices):
    """The negotiated WebSocket subprotocol (OCPP-J)."""

    OCPP16 = "ocpp1.6", "OCPP 1.6J"
    OCPP201 = "ocpp2.0.1", "OCPP 2.0.1"
    OCPP21 = "ocpp2.1", "OCPP 2.1"


class ChargePointStatus(models.TextChoices):
    """Status of a charge point or connector.

    OCPP 1.6 ChargePointStatus plus OCPP 2.0.1 ConnectorStatusEnumType
    (which adds Occupied). Unknown means nothing has been reported yet.
    """

    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EVSE = "SuspendedEVSE", "Suspended by EVSE"
    SUSPENDED_EV = "SuspendedEV", "Suspended by EV"
    FINISHING = "Finishing"
    RESERVED = "Reserved"
    OCCUPIED = "Occupied"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"
    UNKNOWN = "Unknown"


class NormalizedStatus(models.TextChoices):
    """The one status the rest of the system reads (apps, OCPI, reservations).

    OCPP 2.0.1's ConnectorStatus vocabulary: 1.6 Preparing, Charging,
    SuspendedEV(SE) and Finishing all mean Occupied.
    """

    AVAILABLE = "Available"
    OCCUPIED = "Occupied"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"
    UNKNOWN = "Unknown"


def normalized_status(status: str) -> str:
    if status in {"Preparing", "Charging", "SuspendedEVSE", "SuspendedEV", "Finishing"}:
        return NormalizedStatus.OCCUPIED
    if status in NormalizedStatus.values:
        return status
    return NormalizedStatus.UNKNOWN


class PublicStatus(models.TextChoices):
    """What apps and roaming partners are told of a connector: OCPI 2.2.1 EVSE Status
    (locations §8.4.22), decided by chargepoints.status_selectors from the
    charger's connection, availability and reports. BLOCKED, PLANNED and
    REMOVED are OCPI's but never ours: nothing a charger reports tells them."""

    AVAILABLE = "AVAILABLE", "Available"
    BLOCKED = "BLOCKED", "Blocked"
    CHARGING = "CHARGING", "In use"
    INOPERATIVE = "INOPERATIVE", "Inoperative"
    OUTOFORDER = "OUTOFORDER", "Out of order"
    PLANNED = "PLANNED", "Planned"
    REMOVED = "REMOVED", "Removed"
    RESERVED = "RESERVED", "Reserved"
    UNKNOWN = "UNKNOWN", "Unknown"


class ChargePointErrorCode(models.TextChoices):
    """OCPP 1.6 ChargePointErrorCode (2.0.1 reports errors through NotifyEvent)."""

    CONNECTOR_LOCK_FAILURE = "ConnectorLockFailure"
    EV_COMMUNICATION_ERROR = "EVCommunicationError"
    GROUND_FAILURE = "GroundFailure"
    HIGH_TEMPERATURE = "HighTemperature"
    INTERNAL_ERROR = "InternalError"
    LOCAL_LIST_CONFLICT = "LocalListConflict"
    NO_ERROR = "NoError"
    OTHER_ERROR = "OtherError"
    OVER_CURRENT_FAILURE = "OverCurrentFailure"
    OVER_VOLTAGE = "OverVoltage"
    POWER_METER_FAILURE = "PowerMeterFailure"
    POWER_SWITCH_FAILURE = "PowerSwitchFailure"
    READER_FAILURE = "ReaderFailure"
    RESET_FAILURE = "ResetFailure"
    UNDER_VOLTAGE = "UnderVoltage"
    WEAK_SIGNAL = "WeakSignal"


class AvailabilityType(models.TextChoices):
    """OCPP 1.6 AvailabilityType / 2.0.1 OperationalStatusEnumType."""

    OPERATIVE = "Operative"
    INOPERATIVE = "Inoperative"


class SecurityProfile(models.IntegerChoices):
    """OCPP security profiles (1.6 security whitepaper ed. 3 §2, 2.0.1 part 2 A00.FR)."""

    NONE = 0, "0: none (development only)"
    BASIC_AUTH = 1, "1: password over ws://"
    BASIC_AUTH_TLS = 2, "2: password over TLS"
    CLIENT_CERTIFICATE = 3, "3: TLS with a client certificate"


class RegistrationStatus(models.TextChoices):
    """How the CSMS answers a BootNotification (both versions)."""

    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class AttributeType(models.TextChoices):
    """OCPP 2.0.1 AttributeEnumType; a 1.6 configuration key is an Actual value."""

    ACTUAL = "Actual"
    TARGET = "Target"
    MIN_SET = "MinSet"
    MAX_SET = "MaxSet"


class ChargerEventKind(models.TextChoices):
    """What a charger reported that has no entity of its own (kept in ChargerEvent)."""

    FIRMWARE_STATUS = "FIRMWARE_STATUS", "Firmware status"
    PUBLISH_FIRMWARE_STATUS = "PUBLISH_FIRMWARE_STATUS", "Publish firmware status"
    DIAGNOSTICS_STATUS = "DIAGNOSTICS_STATUS", "Diagnostics status"
    LOG_STATUS = "LOG_STATUS", "Log upload status"
    SECURITY_EVENT = "SECURITY_EVENT", "Security event"
    DEVICE_EVENT = "DEVICE_EVENT", "Device event (NotifyEvent)"
    MONITORING_REPORT = "MONITORING_REPORT", "Monitoring report"
    CHARGING_LIMIT = "CHARGING_LIMIT", "External charging limit"
    CHARGING_LIMIT_CLEARED = "CHARGING_LIMIT_CLEARED", "External charging limit cleared"
    EV_CHARGING_NEEDS = "EV_CHARGING_NEEDS", "EV charging needs"
    EV_CHARGING_SCHEDULE = "EV_CHARGING_SCHEDULE", "EV charging schedule"
    DISPLAY_MESSAGES = "DISPLAY_MESSAGES", "Display messages"
    CUSTOMER_INFORMATION = "CUSTOMER_INFORMATION", "Customer information"
    CERTIFICATE_REQUEST = "CERTIFICATE_REQUEST", "Certificate request"
    DATA_TRANSFER = "DATA_TRANSFER", "Data transfer"
    RESERVATION_STATUS = "RESERVATION_STATUS", "Reservation status"
    SEQUENCE_GAP = "SEQUENCE_GAP", "Transaction event sequence gap"
    # Ours, not the charger's: a handshake refused for its credentials, and
    # frames refused by the flood limits.
    CONNECTION_REFUSED = "CONNECTION_REFUSED", "Connection refused"
    FRAMES_LIMITED = "FRAMES_LIMITED", "Frames refused (flood limit)"

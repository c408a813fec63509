"""Enumerations of the charging domain, spelled as OCPP / OCPI spell them.

These are version-neutral: where OCPP 1.6 and 2.0.1 differ, a choice holds the
union of both vocabularies, so the gateway stores what a charger reports
without translating it (DESIGN.md rule 1).
"""

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


class AuthorizationStatus(models.TextChoices):
    """The answer to an authorization (OCPP 1.6 and 2.0.1 share these values).

    Unknown is 2.0.1's word for a token we have never seen; 1.6 says Invalid.
    """

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"
    UNKNOWN = "Unknown"


class RegistrationStatus(models.TextChoices):
    """How the CSMS answers a BootNotification (both versions)."""

    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class ConnectorType(models.TextChoices):
    """OCPI 2.2.1 ConnectorType (locations §8.4.4).

    Seed 003's TYPE_1, TYPE_2, CHADEMO, CCS_COMBO_1, CCS_COMBO_2, TESLA and GB_T
    are the IEC_62196_T1, IEC_62196_T2, CHADEMO, IEC_62196_T1_COMBO,
    IEC_62196_T2_COMBO, TESLA_S and GBT_AC/GBT_DC values below.
    """

    CHADEMO = "CHADEMO", "CHAdeMO"
    CHAOJI = "CHAOJI", "ChaoJi"
    DOMESTIC_A = "DOMESTIC_A", "Domestic type A (NEMA 1-15)"
    DOMESTIC_B = "DOMESTIC_B", "Domestic type B (NEMA 5-15)"
    DOMESTIC_C = "DOMESTIC_C", "Domestic type C (CEE 7/17)"
    DOMESTIC_D = "DOMESTIC_D", "Domestic type D (3-pin)"
    DOMESTIC_E = "DOMESTIC_E", "Domestic type E (CEE 7/5)"
    DOMESTIC_F = "DOMESTIC_F", "Domestic type F (Schuko)"
    DOMESTIC_G = "DOMESTIC_G", "Domestic type G (BS 1363)"
    DOMESTIC_H = "DOMESTIC_H", "Domestic type H (SI-32)"
    DOMESTIC_I = "DOMESTIC_I", "Domestic type I (AS/NZS 3112)"
    DOMESTIC_J = "DOMESTIC_J", "Domestic type J (SEV 1011)"
    DOMESTIC_K = "DOMESTIC_K", "Domestic type K (DS 60884-2-D1)"
    DOMESTIC_L = "DOMESTIC_L", "Domestic type L (CEI 23-16-VII)"
    DOMESTIC_M = "DOMESTIC_M", "Domestic type M (South Africa)"
    DOMESTIC_N = "DOMESTIC_N", "Domestic type N (NBR 14136)"
    DOMESTIC_O = "DOMESTIC_O", "Domestic type O (TIS 166-2549)"
    GBT_AC = "GBT_AC", "GB/T AC"
    GBT_DC = "GBT_DC", "GB/T DC"
    IEC_60309_2_SINGLE_16 = "IEC_60309_2_single_16", "IEC 60309-2 single phase 16 A"
    IEC_60309_2_THREE_16 = "IEC_60309_2_three_16", "IEC 60309-2 three phases 16 A"
    IEC_60309_2_THREE_32 = "IEC_60309_2_three_32", "IEC 60309-2 three phases 32 A"
    IEC_60309_2_THREE_64 = "IEC_60309_2_three_64", "IEC 60309-2 three phases 64 A"
    IEC_62196_T1 = "IEC_62196_T1", "Type 1 (IEC 62196-2, SAE J1772)"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO", "CCS Combo 1"
    IEC_62196_T2 = "IEC_62196_T2", "Type 2 (IEC 62196-2, Mennekes)"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO", "CCS Combo 2"
    IEC_62196_T3A = "IEC_62196_T3A", "Type 3A (IEC 62196-2)"
    IEC_62196_T3C = "IEC_62196_T3C", "Type 3C (IEC 62196-2, Scame)"
    NEMA_5_20 = "NEMA_5_20", "NEMA 5-20"
    NEMA_6_30 = "NEMA_6_30", "NEMA 6-30"
    NEMA_6_50 = "NEMA_6_50", "NEMA 6-50"
    NEMA_10_30 = "NEMA_10_30", "NEMA 10-30"
    NEMA_10_50 = "NEMA_10_50", "NEMA 10-50"
    NEMA_14_30 = "NEMA_14_30", "NEMA 14-30"
    NEMA_14_50 = "NEMA_14_50", "NEMA 14-50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP", "Pantograph, bottom up"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN", "Pantograph, top down"
    TESLA_R = "TESLA_R", "Tesla Roadster"
    TESLA_S = "TESLA_S", "Tesla (Model S/3/X/Y, NACS)"


class ConnectorFormat(models.TextChoices):
    """OCPI 2.2.1 ConnectorFormat: a socket, or a cable attached to the charger."""

    SOCKET = "SOCKET", "Socket"
    CABLE = "CABLE", "Cable"


class PowerType(models.TextChoices):
    """OCPI 2.2.1 PowerType."""

    AC_1_PHASE = "AC_1_PHASE", "AC single phase"
    AC_2_PHASE = "AC_2_PHASE", "AC two phases"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT", "AC two phases, split"
    AC_3_PHASE = "AC_3_PHASE", "AC three phases"
    DC = "DC", "DC"


class ParkingType(models.TextChoices):
    """OCPI 2.2.1 ParkingType."""

    ALONG_MOTORWAY = "ALONG_MOTORWAY", "Along a motorway"
    PARKING_GARAGE = "PARKING_GARAGE", "Parking garage"
    PARKING_LOT = "PARKING_LOT", "Parking lot"
    ON_DRIVEWAY = "ON_DRIVEWAY", "On a driveway"
    ON_STREET = "ON_STREET", "On street"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE", "Underground garage"


class TransactionStatus(models.TextChoices):
    """Seed 003 TransactionStatus."""

    ACTIVE = "ACTIVE", "Active"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"
    CANCELED = "CANCELED", "Canceled"


class StopReason(models.TextChoices):
    """Why a transaction stopped: OCPP 1.6 Reason plus 2.0.1 ReasonEnumType."""

    DE_AUTHORIZED = "DeAuthorized"
    EMERGENCY_STOP = "EmergencyStop"
    ENERGY_LIMIT_REACHED = "EnergyLimitReached"
    EV_DISCONNECTED = "EVDisconnected"
    GROUND_FAULT = "GroundFault"
    HARD_RESET = "HardReset"
    IMMEDIATE_RESET = "ImmediateReset"
    LOCAL = "Local"
    LOCAL_OUT_OF_CREDIT = "LocalOutOfCredit"
    MASTER_PASS = "MasterPass"
    OTHER = "Other"
    OVERCURRENT_FAULT = "OvercurrentFault"
    POWER_LOSS = "PowerLoss"
    POWER_QUALITY = "PowerQuality"
    REBOOT = "Reboot"
    REMOTE = "Remote"
    SOC_LIMIT_REACHED = "SOCLimitReached"
    SOFT_RESET = "SoftReset"
    STOPPED_BY_EV = "StoppedByEV"
    TIME_LIMIT_REACHED = "TimeLimitReached"
    TIMEOUT = "Timeout"
    UNLOCK_COMMAND = "UnlockCommand"


class ChargingState(models.TextChoices):
    """OCPP 2.0.1 ChargingStateEnumType (seed 004 charging_state)."""

    CHARGING = "Charging"
    EV_CONNECTED = "EVConnected"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    IDLE = "Idle"


class TriggerReason(models.TextChoices):
    """OCPP 2.0.1 TriggerReasonEnumType (seed 004 trigger_reason)."""

    AUTHORIZED = "Authorized"
    CABLE_PLUGGED_IN = "CablePluggedIn"
    CHARGING_RATE_CHANGED = "ChargingRateChanged"
    CHARGING_STATE_CHANGED = "ChargingStateChanged"
    DEAUTHORIZED = "Deauthorized"
    ENERGY_LIMIT_REACHED = "EnergyLimitReached"
    EV_COMMUNICATION_LOST = "EVCommunicationLost"
    EV_CONNECT_TIMEOUT = "EVConnectTimeout"
    METER_VALUE_CLOCK = "MeterValueClock"
    METER_VALUE_PERIODIC = "MeterValuePeriodic"
    TIME_LIMIT_REACHED = "TimeLimitReached"
    TRIGGER = "Trigger"
    UNLOCK_COMMAND = "UnlockCommand"
    STOP_AUTHORIZED = "StopAuthorized"
    EV_DEPARTED = "EVDeparted"
    EV_DETECTED = "EVDetected"
    REMOTE_STOP = "RemoteStop"
    REMOTE_START = "RemoteStart"
    ABNORMAL_CONDITION = "AbnormalCondition"
    SIGNED_DATA_RECEIVED = "SignedDataReceived"
    RESET_COMMAND = "ResetCommand"


class IdTokenType(models.TextChoices):
    """OCPP 2.0.1 IdTokenEnumType. OCPP 1.6 id tags carry no type."""

    CENTRAL = "Central"
    EMAID = "eMAID"
    ISO14443 = "ISO14443", "ISO 14443 (RFID)"
    ISO15693 = "ISO15693", "ISO 15693 (RFID)"
    KEY_CODE = "KeyCode"
    LOCAL = "Local"
    MAC_ADDRESS = "MacAddress"
    NO_AUTHORIZATION = "NoAuthorization"


class Measurand(models.TextChoices):
    """OCPP 1.6 Measurand plus the 2.0.1 additions (MeasurandEnumType)."""

    CURRENT_EXPORT = "Current.Export"
    CURRENT_IMPORT = "Current.Import"
    CURRENT_OFFERED = "Current.Offered"
    ENERGY_ACTIVE_EXPORT_REGISTER = "Energy.Active.Export.Register"
    ENERGY_ACTIVE_IMPORT_REGISTER = "Energy.Active.Import.Register"
    ENERGY_REACTIVE_EXPORT_REGISTER = "Energy.Reactive.Export.Register"
    ENERGY_REACTIVE_IMPORT_REGISTER = "Energy.Reactive.Import.Register"
    ENERGY_ACTIVE_EXPORT_INTERVAL = "Energy.Active.Export.Interval"
    ENERGY_ACTIVE_IMPORT_INTERVAL = "Energy.Active.Import.Interval"
    ENERGY_ACTIVE_NET = "Energy.Active.Net"
    ENERGY_REACTIVE_EXPORT_INTERVAL = "Energy.Reactive.Export.Interval"
    ENERGY_REACTIVE_IMPORT_INTERVAL = "Energy.Reactive.Import.Interval"
    ENERGY_REACTIVE_NET = "Energy.Reactive.Net"
    ENERGY_APPARENT_NET = "Energy.Apparent.Net"
    ENERGY_APPARENT_IMPORT = "Energy.Apparent.Import"
    ENERGY_APPARENT_EXPORT = "Energy.Apparent.Export"
    FREQUENCY = "Frequency"
    POWER_ACTIVE_EXPORT = "Power.Active.Export"
    POWER_ACTIVE_IMPORT = "Power.Active.Import"
    POWER_FACTOR = "Power.Factor"
    POWER_OFFERED = "Power.Offered"
    POWER_REACTIVE_EXPORT = "Power.Reactive.Export"
    POWER_REACTIVE_IMPORT = "Power.Reactive.Import"
    RPM = "RPM"
    SOC = "SoC", "State of charge"
    TEMPERATURE = "Temperature"
    VOLTAGE = "Voltage"


class ReadingContext(models.TextChoices):
    """OCPP ReadingContext (same values in 1.6 and 2.0.1)."""

    INTERRUPTION_BEGIN = "Interruption.Begin"
    INTERRUPTION_END = "Interruption.End"
    OTHER = "Other"
    SAMPLE_CLOCK = "Sample.Clock"
    SAMPLE_PERIODIC = "Sample.Periodic"
    TRANSACTION_BEGIN = "Transaction.Begin"
    TRANSACTION_END = "Transaction.End"
    TRIGGER = "Trigger"


class MeasurementLocation(models.TextChoices):
    """OCPP Location: where a sampled value was measured."""

    BODY = "Body"
    CABLE = "Cable"
    EV = "EV"
    INLET = "Inlet"
    OUTLET = "Outlet"


class Phase(models.TextChoices):
    """OCPP Phase (same values in 1.6 and 2.0.1)."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    N = "N"
    L1_N = "L1-N"
    L2_N = "L2-N"
    L3_N = "L3-N"
    L1_L2 = "L1-L2"
    L2_L3 = "L2-L3"
    L3_L1 = "L3-L1"


class ValueFormat(models.TextChoices):
    """OCPP 1.6 ValueFormat. 2.0.1 signs values in a separate object."""

    RAW = "Raw"
    SIGNED_DATA = "SignedData"


class ChargingProfilePurpose(models.TextChoices):
    """OCPP 1.6 ChargingProfilePurposeType plus 2.0.1 additions."""

    CHARGE_POINT_MAX_PROFILE = "ChargePointMaxProfile"
    CHARGING_STATION_MAX_PROFILE = "ChargingStationMaxProfile"
    CHARGING_STATION_EXTERNAL_CONSTRAINTS = "ChargingStationExternalConstraints"
    TX_DEFAULT_PROFILE = "TxDefaultProfile"
    TX_PROFILE = "TxProfile"


class ChargingProfileKind(models.TextChoices):
    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class RecurrencyKind(models.TextChoices):
    DAILY = "Daily"
    WEEKLY = "Weekly"


class ChargingRateUnit(models.TextChoices):
    """OCPP ChargingRateUnitType. Seed 003's kW is stored as W (x 1000)."""

    AMPERE = "A", "Ampere (A)"
    WATT = "W", "Watt (W)"


class SessionStatus(models.TextChoices):
    """Seed 003 SessionStatus."""

    ACTIVE = "ACTIVE", "Active"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"
    TIMEOUT = "TIMEOUT", "Timed out"


class ReservationStatus(models.TextChoices):
    """Seed 003 ReservationStatus."""

    ACTIVE = "ACTIVE", "Active"
    COMPLETED = "COMPLETED", "Completed"
    CANCELED = "CANCELED", "Canceled"
    EXPIRED = "EXPIRED", "Expired"


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


class CommandName(models.TextChoices):
    """What an operator, an app or a script can ask a charger to do.

    Names are version-neutral; the gateway maps each to the action of the
    charger's negotiated OCPP version, or refuses it before anything is sent.
    """

    REMOTE_START = "remote_start", "Remote start"
    REMOTE_STOP = "remote_stop", "Remote stop"
    RESET = "reset", "Reset"
    UNLOCK_CONNECTOR = "unlock_connector", "Unlock connector"
    CHANGE_AVAILABILITY = "change_availability", "Change availability"
    GET_CONFIGURATION = "get_configuration", "Get configuration"
    CHANGE_CONFIGURATION = "change_configuration", "Change configuration"
    GET_VARIABLES = "get_variables", "Get variables"
    SET_VARIABLES = "set_variables", "Set variables"
    GET_BASE_REPORT = "get_base_report", "Get base report"
    GET_REPORT = "get_report", "Get custom report"
    TRIGGER_MESSAGE = "trigger_message", "Trigger message"
    CLEAR_CACHE = "clear_cache", "Clear authorization cache"
    DATA_TRANSFER = "data_transfer", "Data transfer"
    SET_CHARGING_PROFILE = "set_charging_profile", "Set charging profile"
    CLEAR_CHARGING_PROFILE = "clear_charging_profile", "Clear charging profile"
    GET_CHARGING_PROFILES = "get_charging_profiles", "Get charging profiles"
    GET_COMPOSITE_SCHEDULE = "get_composite_schedule", "Get composite schedule"
    RESERVE_NOW = "reserve_now", "Reserve now"
    CANCEL_RESERVATION = "cancel_reservation", "Cancel reservation"
    SEND_LOCAL_LIST = "send_local_list", "Send local list"
    GET_LOCAL_LIST_VERSION = "get_local_list_version", "Get local list version"
    UPDATE_FIRMWARE = "update_firmware", "Update firmware"
    GET_DIAGNOSTICS = "get_diagnostics", "Get diagnostics"
    GET_LOG = "get_log", "Get log"
    GET_TRANSACTION_STATUS = "get_transaction_status", "Get transaction status"
    SET_CURRENT_LIMIT = "set_current_limit", "Set current limit"
    SET_LED_BRIGHTNESS = "set_led_brightness", "Set LED brightness"


class CommandStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    TIMED_OUT = "timed_out", "Timed out"
    CHARGER_OFFLINE = "charger_offline", "Charger offline"


# A command in one of these states will not change any more (a late answer
# to a timed-out command is kept, but the status stays).
COMMAND_FINAL_STATUSES = frozenset(
    {
        CommandStatus.ACCEPTED,
        CommandStatus.REJECTED,
        CommandStatus.FAILED,
        CommandStatus.TIMED_OUT,
        CommandStatus.CHARGER_OFFLINE,
    }
)


class CommandSource(models.TextChoices):
    API = "api", "REST API"
    ADMIN = "admin", "Admin"
    CLI = "cli", "Management command"

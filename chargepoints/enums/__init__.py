"""Enumerations of the charging domain, spelled as OCPP / OCPI spell them.

These are version-neutral: where OCPP 1.6 and 2.0.1 differ, a choice holds the
union of both vocabularies, so the gateway stores what a charger reports
without translating it (docs/architecture.md).

One module per topic; every name is importable from ``chargepoints.enums``.
Id token types, authorization statuses and connector (plug) standards belong
to the accounts: import them from ``accounts.enums``.
"""

from chargepoints.enums.commands import (
    COMMAND_FINAL_STATUSES,
    CommandName,
    CommandRefusal,
    CommandSource,
    CommandStatus,
)
from chargepoints.enums.metering import (
    Measurand,
    MeasurementLocation,
    Phase,
    ReadingContext,
    ValueFormat,
)
from chargepoints.enums.sites import AC_PHASES, ConnectorFormat, ParkingType, PowerType
from chargepoints.enums.smart_charging import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    ChargingRateUnit,
    RecurrencyKind,
)
from chargepoints.enums.stations import (
    AttributeType,
    AvailabilityType,
    ChargePointErrorCode,
    ChargePointStatus,
    ChargerEventKind,
    NormalizedStatus,
    OcppProtocol,
    PublicStatus,
    RegistrationStatus,
    SecurityProfile,
    normalized_status,
)
from chargepoints.enums.transactions import (
    SESSION_OPEN,
    SESSION_PENDING,
    ChargingState,
    ReservationStatus,
    SessionStatus,
    StopReason,
    TransactionStatus,
    TriggerReason,
)

__all__ = [
    "AC_PHASES",
    "COMMAND_FINAL_STATUSES",
    "SESSION_OPEN",
    "SESSION_PENDING",
    "AttributeType",
    "AvailabilityType",
    "ChargePointErrorCode",
    "ChargePointStatus",
    "ChargerEventKind",
    "ChargingProfileKind",
    "ChargingProfilePurpose",
    "ChargingRateUnit",
    "ChargingState",
    "CommandName",
    "CommandRefusal",
    "CommandSource",
    "CommandStatus",
    "ConnectorFormat",
    "Measurand",
    "MeasurementLocation",
    "NormalizedStatus",
    "OcppProtocol",
    "ParkingType",
    "Phase",
    "PowerType",
    "PublicStatus",
    "ReadingContext",
    "RecurrencyKind",
    "RegistrationStatus",
    "ReservationStatus",
    "SecurityProfile",
    "SessionStatus",
    "StopReason",
    "TransactionStatus",
    "TriggerReason",
    "ValueFormat",
    "normalized_status",
]

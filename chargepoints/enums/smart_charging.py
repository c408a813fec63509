"""Smart charging: charging profiles and their schedules."""

from django.db import models


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

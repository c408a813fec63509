"""Enumerations of the accounts: users, their vehicles, tags and notifications.

Id token types and authorization statuses are spelled as OCPP spells them:
whether a tag may charge is decided here (accounts.services.tags), and the
charging domain passes the answer on to chargers unchanged.
"""

from django.db import models


class UserStatus(models.TextChoices):
    """Seed 003 UserStatus: only ACTIVE users may log in or charge."""

    ACTIVE = "ACTIVE", "Active"
    BLOCKED = "BLOCKED", "Blocked"
    EXPIRED = "EXPIRED", "Expired"


class VehicleType(models.TextChoices):
    """Seed 003 VehicleType."""

    ELECTRIC = "ELECTRIC", "Battery electric"
    HYBRID = "HYBRID", "Hybrid"
    PLUGIN_HYBRID = "PLUGIN_HYBRID", "Plug-in hybrid"


class NotificationType(models.TextChoices):
    """Seed 003 NotificationType."""

    CHARGING_STARTED = "CHARGING_STARTED", "Charging started"
    CHARGING_STOPPED = "CHARGING_STOPPED", "Charging stopped"
    CHARGING_COMPLETED = "CHARGING_COMPLETED", "Charging completed"
    PAYMENT_REQUIRED = "PAYMENT_REQUIRED", "Payment required"
    SYSTEM_MAINTENANCE = "SYSTEM_MAINTENANCE", "System maintenance"
    GENERAL = "GENERAL", "General"


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


class AuthorizationStatus(models.TextChoices):
    """The answer to an authorization (OCPP 1.6 and 2.0.1 share these values).

    Unknown is 2.0.1's word for a token we have never seen; 1.6 says Invalid.
    NoCredit and NotAtThisLocation are 2.0.1's, for a roaming partner's answer
    (OCPI AllowedType NO_CREDIT, NOT_ALLOWED); 1.6 says Invalid.
    """

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"
    UNKNOWN = "Unknown"
    NO_CREDIT = "NoCredit"
    NOT_AT_THIS_LOCATION = "NotAtThisLocation"


class ConnectorType(models.TextChoices):
    """OCPI 2.2.1 ConnectorType (locations §8.4.4).

    Seed 003's TYPE_1, TYPE_2, CHADEMO, CCS_COMBO_1, CCS_COMBO_2, TESLA and GB_T
    are the IEC_62196_T1, IEC_62196_T2, CHADEMO, IEC_62196_T1_COMBO,
    IEC_62196_T2_COMBO, TESLA_S and GBT_AC/GBT_DC values below.

    Kept with the accounts because a driver's profile names the plug
    standards they can use; the charging domain's connectors are described
    with the same values (docs/architecture.md: accounts knows no charging).
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

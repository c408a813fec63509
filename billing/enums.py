from django.db import models


class TariffType(models.TextChoices):
    """OCPI 2.2.1 TariffType (tariffs §11.4.7)."""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT", "Ad hoc payment"
    PROFILE_CHEAP = "PROFILE_CHEAP", "Profile: cheap"
    PROFILE_FAST = "PROFILE_FAST", "Profile: fast"
    PROFILE_GREEN = "PROFILE_GREEN", "Profile: green"
    REGULAR = "REGULAR", "Regular"


class AuthMethod(models.TextChoices):
    """OCPI 2.2.1 AuthMethod (CDRs §10.4.1)."""

    AUTH_REQUEST = "AUTH_REQUEST", "Authorization request"
    COMMAND = "COMMAND", "Command"
    WHITELIST = "WHITELIST", "Whitelist"


class TokenType(models.TextChoices):
    """OCPI 2.2.1 TokenType (tokens §12.4.4)."""

    AD_HOC_USER = "AD_HOC_USER", "Ad hoc user"
    APP_USER = "APP_USER", "App user"
    OTHER = "OTHER", "Other"
    RFID = "RFID", "RFID"


class WhitelistType(models.TextChoices):
    """OCPI 2.2.1 WhitelistType (tokens §12.4.5): may we authorize the token ourselves?"""

    ALWAYS = "ALWAYS", "Always (never ask the eMSP)"
    ALLOWED = "ALLOWED", "Allowed (we may ask the eMSP)"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE", "Allowed when the eMSP cannot be reached"
    NEVER = "NEVER", "Never (always ask the eMSP)"


class AllowedType(models.TextChoices):
    """OCPI 2.2.1 AllowedType (tokens §12.4.1): an eMSP's answer to a real-time authorization."""

    ALLOWED = "ALLOWED", "Allowed"
    BLOCKED = "BLOCKED", "Blocked"
    EXPIRED = "EXPIRED", "Expired"
    NO_CREDIT = "NO_CREDIT", "No credit"
    NOT_ALLOWED = "NOT_ALLOWED", "Not allowed"


class CommandType(models.TextChoices):
    """OCPI 2.2.1 CommandType (commands §13.4.3): what an eMSP may ask of our chargers."""

    CANCEL_RESERVATION = "CANCEL_RESERVATION", "Cancel reservation"
    RESERVE_NOW = "RESERVE_NOW", "Reserve now"
    START_SESSION = "START_SESSION", "Start session"
    STOP_SESSION = "STOP_SESSION", "Stop session"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR", "Unlock connector"


class CommandResponseType(models.TextChoices):
    """OCPI 2.2.1 CommandResponseType (commands §13.4.1): our answer at once."""

    NOT_SUPPORTED = "NOT_SUPPORTED", "Not supported"
    REJECTED = "REJECTED", "Rejected"
    ACCEPTED = "ACCEPTED", "Accepted"
    UNKNOWN_SESSION = "UNKNOWN_SESSION", "Unknown session"


class CommandResultType(models.TextChoices):
    """OCPI 2.2.1 CommandResultType (commands §13.4.2): what the charger made of it."""

    ACCEPTED = "ACCEPTED", "Accepted"
    CANCELED_RESERVATION = "CANCELED_RESERVATION", "Canceled reservation"
    EVSE_OCCUPIED = "EVSE_OCCUPIED", "EVSE occupied"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE", "EVSE inoperative"
    FAILED = "FAILED", "Failed"
    NOT_SUPPORTED = "NOT_SUPPORTED", "Not supported"
    REJECTED = "REJECTED", "Rejected"
    TIMEOUT = "TIMEOUT", "Timeout"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION", "Unknown reservation"


class PushStatus(models.TextChoices):
    """Where a call to a partner stands in our outbox (billing.models.OcpiPush)."""

    PENDING = "PENDING", "Waiting to be sent"
    DELIVERED = "DELIVERED", "Delivered"
    FAILED = "FAILED", "Failed (given up)"
    # An operator let a failed push go, so the later pushes of its object leave.
    DISCARDED = "DISCARDED", "Discarded"

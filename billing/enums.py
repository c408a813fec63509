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

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

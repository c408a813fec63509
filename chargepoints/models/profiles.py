from django.db import models

from chargepoints.enums import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    ChargingRateUnit,
    RecurrencyKind,
)


class ChargingProfile(models.Model):
    """A smart-charging profile (seed 000 ChargingProfile, 001, 003).

    ``chargingprofile_id`` is the OCPP profile id, unique on a charger.
    Without a charge point the profile is a template an operator reuses.
    A TxProfile is bound to one transaction (``transaction``, seed 001); a
    transaction also records the profile in force when it started
    (``Transaction.chargingprofile``, seed 000).
    """

    chargingprofile_id = models.PositiveIntegerField("charging profile id")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    chargepoint = models.ForeignKey(
        "chargepoints.ChargePoint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="charging_profiles",
    )
    connector = models.ForeignKey(
        "chargepoints.Connector",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="charging_profiles",
    )
    transaction = models.ForeignKey(
        "chargepoints.Transaction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tx_profiles",
    )
    stack_level = models.PositiveIntegerField(default=1)
    chargingprofile_purpose = models.CharField(
        max_length=40, choices=ChargingProfilePurpose.choices
    )
    chargingprofile_kind = models.CharField(
        max_length=10, choices=ChargingProfileKind.choices, default=ChargingProfileKind.ABSOLUTE
    )
    recurrency_kind = models.CharField(max_length=10, choices=RecurrencyKind.choices, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField("duration (s)", null=True, blank=True)
    start_schedule = models.DateTimeField(null=True, blank=True)
    chargingschedule_id = models.PositiveIntegerField(
        "charging schedule id", null=True, blank=True, help_text="OCPP 2.0.1 ChargingSchedule id."
    )
    charging_rate_unit = models.CharField(
        max_length=1, choices=ChargingRateUnit.choices, default=ChargingRateUnit.AMPERE
    )
    chargingschedule_period = models.JSONField(
        default=list,
        help_text='[{"start_period": 0, "limit": 16.0, "number_phases": 3}, ...]',
    )
    min_charging_rate = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chargepoint", "stack_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["chargepoint", "chargingprofile_id"],
                name="chargingprofile_id_unique_per_chargepoint",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"Profile {self.chargingprofile_id}"

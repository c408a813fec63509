import uuid

from django.conf import settings
from django.db import models

from chargepoints.enums import ReservationStatus


class Reservation(models.Model):
    """A connector (or any connector of a charger) held for a driver.

    Seed 000 Reservation plus seed 003's user, start and status. With no
    connector, any connector of the charge point is reserved (OCPP 1.6
    connectorId 0, 2.0.1 ReserveNow without evseId).
    """

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reservation_id = models.PositiveIntegerField(
        unique=True, help_text="The id sent in ReserveNow / CancelReservation."
    )
    chargepoint = models.ForeignKey(
        "chargepoints.ChargePoint", on_delete=models.CASCADE, related_name="reservations"
    )
    connector = models.ForeignKey(
        "chargepoints.Connector",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reservations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reservations",
    )
    id_tag = models.ForeignKey(
        "accounts.IdTag",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
    )
    start_time = models.DateTimeField()
    expiry_date = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # For integrations that sync with ?updated_after= (issue 18). auto_now
    # covers save(); a queryset .update() must set it itself.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_time"]
        indexes = [models.Index(fields=["updated_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expiry_date__gt=models.F("start_time")),
                name="reservation_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Reservation {self.reservation_id}"

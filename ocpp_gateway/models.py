from django.db import models
from django.utils import timezone

from ocpp_gateway.enums import MessageDirection, MessageType


class OCPPMessage(models.Model):
    """Every OCPP frame exchanged with a charger, for debugging and audit (seed 003)."""

    message_id = models.CharField(max_length=36, help_text="The OCPP-J unique id of the call.")
    # Indexed by the composite indexes below, which it leads.
    chargepoint = models.ForeignKey(
        "chargepoints.ChargePoint",
        on_delete=models.CASCADE,
        related_name="ocpp_messages",
        db_index=False,
    )
    direction = models.CharField(max_length=10, choices=MessageDirection.choices)
    message_type = models.PositiveSmallIntegerField(
        choices=MessageType.choices, null=True, blank=True, help_text="Empty for unreadable frames."
    )
    action = models.CharField(max_length=50, blank=True)
    payload = models.JSONField()
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "OCPP message"
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["chargepoint", "-timestamp"]),
            models.Index(fields=["chargepoint", "message_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.action} {self.message_id}"

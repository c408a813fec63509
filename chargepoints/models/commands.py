from django.conf import settings
from django.db import models
from django.utils import timezone

from chargepoints.enums import (
    COMMAND_FINAL_STATUSES,
    CommandName,
    CommandRefusal,
    CommandSource,
    CommandStatus,
    OcppProtocol,
)


class Command(models.Model):
    """One thing asked of a charger: who asked, what was sent, what it answered.

    ``params`` are the version-neutral parameters after validation, with
    their targets resolved (connector, transaction, allocated ids); ``action``
    and ``request`` are the OCPP call built from them for the charger's
    version, exactly as sent.
    """

    chargepoint = models.ForeignKey(
        "chargepoints.ChargePoint", on_delete=models.CASCADE, related_name="commands"
    )
    name = models.CharField(max_length=30, choices=CommandName.choices)
    params = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commands",
    )
    source = models.CharField(max_length=10, choices=CommandSource.choices)
    connector = models.ForeignKey(
        "chargepoints.Connector",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commands",
    )
    transaction = models.ForeignKey(
        "chargepoints.Transaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commands",
    )

    ocpp_version = models.CharField(max_length=10, choices=OcppProtocol.choices, blank=True)
    action = models.CharField(max_length=50, blank=True, help_text="The OCPP action sent.")
    message_id = models.CharField(max_length=36, unique=True, help_text="The OCPP-J message id.")
    request = models.JSONField(default=dict, blank=True, help_text="The payload sent.")
    request_id = models.IntegerField(
        null=True,
        blank=True,
        help_text="The requestId (or reservation id) the charger's later reports refer to.",
    )

    status = models.CharField(
        max_length=16, choices=CommandStatus.choices, default=CommandStatus.PENDING
    )
    response = models.JSONField(null=True, blank=True, help_text="The charger's answer payload.")
    error_code = models.CharField(max_length=50, blank=True)
    refusal = models.CharField(max_length=20, choices=CommandRefusal.choices, blank=True)
    error_description = models.TextField(blank=True)
    progress = models.CharField(
        max_length=40,
        blank=True,
        help_text="Firmware or log upload progress the charger reported afterwards.",
    )
    progress_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="When the connection holding the charger took it."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # For integrations that sync with ?updated_after= (issue 18). auto_now
    # covers save(); a queryset .update() must set it itself.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["chargepoint", "-created_at"]),
            models.Index(fields=["updated_at", "id"]),
            models.Index(fields=["chargepoint", "name", "request_id"]),
            # Commands in flight, for the sweep that ends those no process
            # can still answer (chargepoints/services/processes.py): only
            # they enter this index.
            models.Index(
                fields=["sent_at"],
                condition=models.Q(status__in=["pending", "sent"]),
                name="command_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_name_display()} → {self.chargepoint_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in COMMAND_FINAL_STATUSES

"""What roaming with partners leaves behind: their authorizations, their commands,
and our calls to them waiting in the outbox (OCPI 2.2.1, CPO role)."""

from django.db import models
from django.utils import timezone

from billing.enums import AllowedType, CommandResponseType, CommandResultType, PushStatus
from billing.models.partners import OcpiPartner, PartnerToken


class OcpiAuthorization(models.Model):
    """An eMSP's answer about one use of its token: real-time (tokens §12.2.2.2,
    POST .../authorize) or given with a START_SESSION command (commands §13.3.5).

    Its ``authorization_reference`` goes on the session and the CDR of the
    transaction it let start (sessions §9.3.1, CDRs §10.3.1), so the eMSP can
    match them to its decision.
    """

    class Source(models.TextChoices):
        REALTIME = "REALTIME", "Real-time authorization"
        COMMAND = "COMMAND", "START_SESSION command"

    token = models.ForeignKey(PartnerToken, on_delete=models.CASCADE, related_name="authorizations")
    source = models.CharField(max_length=10, choices=Source.choices)
    allowed = models.CharField(max_length=12, choices=AllowedType.choices)
    authorization_reference = models.CharField(max_length=36, blank=True)
    # Where it applies (LocationReferences, tokens §12.4.3); empty: anywhere.
    location_id = models.CharField(max_length=36, blank=True)
    evse_uids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The transaction it let start, once it has started.
    transaction = models.ForeignKey(
        "chargepoints.Transaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ocpi_authorizations",
    )

    class Meta:
        verbose_name = "OCPI authorization"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.token_id}: {self.allowed} ({self.source})"


class OcpiCommand(models.Model):
    """A command an eMSP sent us (commands §13.2.1), the command it became, and its result.

    We answer the eMSP at once (CommandResponse) and later POST the charger's
    result (CommandResult) to ``response_url`` through the outbox; ``result``
    is set when that POST is queued, once.
    """

    partner = models.ForeignKey(OcpiPartner, on_delete=models.CASCADE, related_name="commands")
    type = models.CharField(max_length=20)
    request = models.JSONField(default=dict, help_text="The command's body, as received.")
    response_url = models.URLField(max_length=255)
    response = models.CharField(max_length=20, choices=CommandResponseType.choices)
    command = models.ForeignKey(
        "chargepoints.Command",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ocpi_requests",
    )
    # RESERVE_NOW and CANCEL_RESERVATION: the eMSP's reservation id, and ours.
    ocpi_reservation_id = models.CharField(max_length=36, blank=True)
    reservation = models.ForeignKey(
        "chargepoints.Reservation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ocpi_commands",
    )
    result = models.CharField(max_length=22, choices=CommandResultType.choices, blank=True)
    result_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "OCPI command"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(finished_at__isnull=True),
                name="ocpi_command_unfinished",
            ),
            models.Index(fields=["partner", "ocpi_reservation_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} from {self.partner} ({self.result or self.response})"


class OcpiPush(models.Model):
    """One call we owe a partner's receiver interface, kept until it is delivered.

    The outbox (billing/ocpi/outbox.py): written in the database transaction
    that made the change, so a push is never lost to a restart; sent by the
    server processes' periodic job, never on a charger's message path;
    retried with backoff while the partner fails or does not answer. Calls
    about one object (``object_key``) leave in the order they were queued.
    """

    partner = models.ForeignKey(OcpiPartner, on_delete=models.CASCADE, related_name="pushes")
    module = models.CharField(max_length=20)
    object_key = models.CharField(max_length=255, blank=True)
    method = models.CharField(max_length=6)
    url = models.URLField(max_length=1000)
    # What follows the partner's receiver URL of ``module`` (its version details),
    # which is looked up again when the push is sent: a partner that moves its
    # endpoints (credentials PUT, or DELETE and a new registration) gets its
    # queued pushes at the new ones. None: ``url`` is the partner's own (a
    # command's response_url) and is called as it is.
    path = models.CharField(max_length=1000, null=True, blank=True)  # noqa: DJ001 (see above)
    body = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=PushStatus.choices, default=PushStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while a process sends the push (its claim's lease), cleared with the
    # outcome: an operator's "retry now" leaves such a row alone.
    sending_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "OCPI push"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="PENDING"),
                name="ocpi_push_due",
            ),
            models.Index(fields=["partner", "module", "object_key", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.module} {self.object_key} to {self.partner_id}"


class OcpiSyncState(models.Model):
    """What a partner was last sent of one object: the outbox's memory, so an
    object is pushed when it changed and only then (never twice the same)."""

    partner = models.ForeignKey(OcpiPartner, on_delete=models.CASCADE, related_name="sync_states")
    module = models.CharField(max_length=20)
    object_key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, blank=True)
    state = models.JSONField(null=True, blank=True)
    pushed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "OCPI sync state"
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "module", "object_key"], name="ocpi_sync_state_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} {self.object_key} for {self.partner_id}"

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.enums import IdTokenType
from chargepoints.enums import (
    SESSION_PENDING,
    ChargingState,
    Measurand,
    MeasurementLocation,
    Phase,
    ReadingContext,
    SessionStatus,
    StopReason,
    TransactionStatus,
    TriggerReason,
    ValueFormat,
)
from chargepoints.models.ids import new_ocpi_id
from csms.ids import uuid7


class Transaction(models.Model):
    """One charging transaction (seed 000 Transaction, seed 003 Transaction).

    ``transaction_id`` is ours: OCPP 1.6 chargers are given it in the
    StartTransaction answer. OCPP 2.0.1 chargers choose their own string id,
    kept in ``charger_transaction_id`` and unique per charge point.
    Transactions are billing records, so neither the charger nor the tag they
    refer to can be deleted while they exist.
    """

    transaction_id = models.AutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # NULL, not "": 1.6 transactions have no charger id and must not collide
    # in the per-charger uniqueness constraint below.
    charger_transaction_id = models.CharField(max_length=36, null=True, blank=True)  # noqa: DJ001
    chargepoint = models.ForeignKey(
        "chargepoints.ChargePoint", on_delete=models.PROTECT, related_name="transactions"
    )
    connector = models.ForeignKey(
        "chargepoints.Connector",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        help_text="Empty only for a stop received for a session we never saw start.",
    )
    id_tag = models.ForeignKey(
        "accounts.IdTag",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
    )
    id_token = models.CharField(
        max_length=255, blank=True, help_text="The token as the charger sent it, known or not."
    )
    id_token_type = models.CharField(max_length=20, choices=IdTokenType.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
    )
    vehicle = models.ForeignKey(
        "accounts.UserVehicle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
    )
    reservation = models.ForeignKey(
        "chargepoints.Reservation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
    )
    chargingprofile = models.ForeignKey(
        "chargepoints.ChargingProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
        help_text="The profile in force when the transaction started.",
    )
    remote_start_id = models.IntegerField(null=True, blank=True)

    transaction_status = models.CharField(
        max_length=15, choices=TransactionStatus.choices, default=TransactionStatus.ACTIVE
    )
    start_transaction_timestamp = models.DateTimeField()
    stop_transaction_timestamp = models.DateTimeField(null=True, blank=True)
    reason_stopped = models.CharField(max_length=50, choices=StopReason.choices, blank=True)

    # Meter readings in Wh, as the charger's energy register reports them.
    # The start reading is empty until known: a 2.0.1 charger may start a
    # transaction without one, and its register is rarely at zero.
    wh_meter_start = models.FloatField(null=True, blank=True)
    wh_meter_last = models.FloatField(default=0)
    wh_meter_last_timestamp = models.DateTimeField(null=True, blank=True)
    wh_meter_stop = models.FloatField(null=True, blank=True)
    total_energy = models.FloatField("total energy (kWh)", null=True, blank=True)
    # Charging and not charging over time, in either protocol version:
    # [{"timestamp": ISO 8601, "state": ChargingState}]; parking time is
    # priced from it (OCPI 2.2.1 PARKING_TIME).
    charging_states = models.JSONField(default=list, blank=True)

    # What an OCPP 2.0.1 charger reports in TransactionEvent (seed 004).
    charging_state = models.CharField(max_length=15, choices=ChargingState.choices, blank=True)
    trigger_reason = models.CharField(max_length=30, choices=TriggerReason.choices, blank=True)
    sequence_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="Last TransactionEvent seqNo received."
    )
    number_of_phases_used = models.PositiveSmallIntegerField(null=True, blank=True)

    # Latest readings, kept up to date for display (base units).
    last_power_w = models.FloatField("power (W)", null=True, blank=True)
    last_current_a = models.FloatField("current (A)", null=True, blank=True)
    last_voltage_v = models.FloatField("voltage (V)", null=True, blank=True)
    last_soc = models.FloatField("state of charge (%)", null=True, blank=True)

    # The authorization status the start was answered with (empty: not
    # answered, a 2.0.1 start without an id token). Any other than Accepted
    # means deauthorized: it is never billed and never blocks its tag.
    start_status = models.CharField(max_length=20, blank=True)

    # A stop or an update for a transaction we never saw starting is kept and
    # flagged, never refused: a charger retries a refused stop forever.
    needs_review = models.BooleanField(default=False)
    # Closed by the CSMS, not by its charger (a ghost after a reboot, a new
    # start on its connector, a silence, an operator): the charger's own
    # stop, should it still come, completes it (chargepoints/services/transaction_closing.py).
    closed_by_csms = models.BooleanField(default=False)
    review_note = models.CharField(max_length=255, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_transaction_timestamp"]
        permissions = [("close_transaction", "Can close a transaction its charger never stopped")]
        constraints = [
            models.UniqueConstraint(
                fields=["chargepoint", "charger_transaction_id"],
                name="transaction_charger_id_unique_per_chargepoint",
            ),
        ]
        indexes = [
            models.Index(fields=["chargepoint", "transaction_status"]),
            # A retransmitted start without the charger's own transaction id
            # is found by its start (chargepoints/services/locks.py).
            models.Index(fields=["chargepoint", "start_transaction_timestamp"]),
            models.Index(fields=["user", "-start_transaction_timestamp"]),
            # The roaming push cycle reads what changed since its cursor every
            # few seconds (billing/ocpi/push_sessions.py); without this it
            # would read the whole table each time.
            models.Index(fields=["updated_at"], name="transaction_updated_at"),
        ]

    def __str__(self) -> str:
        return f"Transaction {self.transaction_id}"

    @property
    def energy_wh(self) -> float:
        """Energy delivered so far: last (or stop) reading minus the start reading."""
        end = self.wh_meter_stop if self.wh_meter_stop is not None else self.wh_meter_last
        if self.wh_meter_start is None or end is None:
            return 0.0
        return max(end - self.wh_meter_start, 0.0)


class SampledValue(models.Model):
    """One measured value (seed 000 SampledValue, seed 003 MeterValue).

    ``value`` and ``unit`` keep exactly what the charger sent (signed data
    included, OCPP's default unit filled in when it sent none);
    ``numeric_value`` is the same reading in the measurand's base unit (Wh,
    varh, VAh, W, var, VA, A, V, Hz, Celsius, Percent), so energy and power
    can be aggregated in the database.
    """

    uuid = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No index of their own on chargepoint and transaction: each leads a
    # composite index below, which serves the same lookups, and every meter
    # value would pay for maintaining two more.
    chargepoint = models.ForeignKey(
        "chargepoints.ChargePoint",
        on_delete=models.CASCADE,
        related_name="sampled_values",
        db_index=False,
    )
    connector = models.ForeignKey(
        "chargepoints.Connector",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sampled_values",
    )
    transaction = models.ForeignKey(
        Transaction,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sampled_values",
        help_text="Empty for readings taken outside a transaction.",
        db_index=False,
    )
    timestamp = models.DateTimeField()
    value = models.TextField()
    numeric_value = models.FloatField(null=True, blank=True)
    context = models.CharField(max_length=50, choices=ReadingContext.choices, blank=True)
    format = models.CharField(max_length=50, choices=ValueFormat.choices, blank=True)
    measurand = models.CharField(
        max_length=50, choices=Measurand.choices, default=Measurand.ENERGY_ACTIVE_IMPORT_REGISTER
    )
    phase = models.CharField(max_length=50, choices=Phase.choices, blank=True)
    location = models.CharField(max_length=50, choices=MeasurementLocation.choices, blank=True)
    unit = models.CharField(max_length=50, blank=True)
    unit_multiplier = models.SmallIntegerField(
        default=0, help_text="OCPP 2.0.1 unitOfMeasure.multiplier: value x 10^multiplier."
    )
    signed_meter_value = models.JSONField(null=True, blank=True)
    after_end = models.BooleanField(
        default=False, help_text="Sent after its transaction ended: kept, never applied."
    )

    class Meta:
        ordering = ["timestamp"]
        constraints = [
            # A retransmitted reading is stored once. Led by the columns of the
            # per-transaction lookups, it also serves them (no second index).
            # The format is part of it: a charger under calibration law
            # sends each reading twice, raw and signed (OCMF).
            models.UniqueConstraint(
                fields=[
                    "transaction",
                    "measurand",
                    "timestamp",
                    "phase",
                    "location",
                    "context",
                    "format",
                ],
                name="sampled_value_unique_reading",
            ),
        ]
        indexes = [models.Index(fields=["chargepoint", "timestamp"])]

    def __str__(self) -> str:
        return f"{self.measurand} {self.phase} = {self.value} {self.unit}".replace("  ", " ")


class ChargingSession(models.Model):
    """A driver's charging attempt as the app follows it (seed 003 ChargingSession).

    It begins when the driver asks to charge, before the charger has started
    a transaction, so it can end TIMED_OUT or FAILED with no transaction at all.
    """

    session_id = models.CharField(max_length=36, unique=True, default=new_ocpi_id)
    chargepoint = models.ForeignKey(
        "chargepoints.ChargePoint", on_delete=models.CASCADE, related_name="sessions"
    )
    connector = models.ForeignKey(
        "chargepoints.Connector",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="charging_sessions",
    )
    transaction = models.OneToOneField(
        Transaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session",
    )
    id_tag = models.ForeignKey(
        "accounts.IdTag",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    vehicle = models.ForeignKey(
        "accounts.UserVehicle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    # How the session was asked for: the remote start we sent, and the id the
    # charger echoes in its TransactionEvent (OCPP 2.0.1 F01.FR.26).
    start_command = models.ForeignKey(
        "chargepoints.Command",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    remote_start_id = models.IntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.REQUESTED
    )
    status_reason = models.CharField(
        max_length=255, blank=True, help_text="Why a session failed or timed out."
    )
    start_time = models.DateTimeField(default=timezone.now)
    end_time = models.DateTimeField(null=True, blank=True)
    last_activity = models.DateTimeField(default=timezone.now)
    # For apps and integrations that sync with ?updated_after= (issue 18).
    # auto_now covers save(); a queryset .update() must set it itself.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_time"]
        indexes = [
            models.Index(fields=["chargepoint", "status"]),
            models.Index(fields=["updated_at"]),
        ]
        # One start waiting for its charger per connector and per driver: two
        # requests at once cannot both make one (chargepoints.services.session_start).
        constraints = [
            models.UniqueConstraint(
                fields=["connector"],
                condition=models.Q(status__in=SESSION_PENDING),
                name="session_one_pending_per_connector",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=SESSION_PENDING),
                name="session_one_pending_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.session_id}"

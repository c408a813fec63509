from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chargepoints.enums import ReservationStatus, SessionStatus
from chargepoints.models import ChargingSession, Command, Reservation, SampledValue, Transaction
from chargepoints.services.driving import command_outcome
from chargepoints.services.metering import default_unit
from chargepoints.services.sessions import TIMEOUT_REASON
from chargepoints.services.transaction_prices import transaction_price
from csms.api.permissions import sees_all


class CommandBriefSerializer(serializers.ModelSerializer):
    """The command a request sent to the charger, and how it went so far."""

    command = serializers.CharField(source="name")

    class Meta:
        model = Command
        fields = [
            "id",
            "command",
            "status",
            "error_code",
            "error_description",
            "response",
            "created_at",
            "answered_at",
        ]
        read_only_fields = fields


class RefusalSerializer(serializers.Serializer):
    """409: the request was understood but cannot be done now."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(
        choices=[
            "charger_offline",
            "connector_busy",
            "connector_unavailable",
            "connector_reserved",
            "already_charging",
            "no_usable_tag",
            "charger_rejected",
            "charger_timeout",
            "charger_error",
            "not_active",
            "not_started",
        ]
    )
    session_id = serializers.CharField(required=False, allow_null=True)


class CommandSentSerializer(serializers.Serializer):
    """202: the charger took the request (or has yet to answer); the outcome follows."""

    detail = serializers.CharField()
    command = CommandBriefSerializer()


class TransactionSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="transaction_id", read_only=True)
    chargepoint = serializers.CharField(source="chargepoint_id", read_only=True)
    connector_id = serializers.IntegerField(
        source="connector.connectorid", read_only=True, allow_null=True, default=None
    )
    status = serializers.CharField(source="transaction_status", read_only=True)
    started_at = serializers.DateTimeField(source="start_transaction_timestamp", read_only=True)
    stopped_at = serializers.DateTimeField(
        source="stop_transaction_timestamp", read_only=True, allow_null=True
    )
    energy_kwh = serializers.SerializerMethodField()
    duration_s = serializers.SerializerMethodField()
    # Billing's price, read through the interface it fills (views fetch it
    # with the transactions: transactions_with_prices).
    total_cost = serializers.SerializerMethodField()
    session_id = serializers.CharField(
        source="session.session_id", read_only=True, allow_null=True, default=None
    )
    # Plain text: blank until the charger reports them (and 1.6 never does).
    charging_state = serializers.CharField(read_only=True)
    reason_stopped = serializers.CharField(read_only=True)

    class Meta:
        model = Transaction
        fields = [
            "id",
            "chargepoint",
            "connector_id",
            "status",
            "started_at",
            "stopped_at",
            "reason_stopped",
            "energy_kwh",
            "duration_s",
            "wh_meter_start",
            "wh_meter_stop",
            "total_cost",
            "charging_state",
            "last_power_w",
            "last_current_a",
            "last_voltage_v",
            "last_soc",
            "id_token",
            "vehicle",
            "session_id",
            "user",
            "needs_review",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True))
    def get_total_cost(self, tx: Transaction) -> str | None:
        total = transaction_price(tx=tx).total
        return None if total is None else f"{total:.4f}"

    def get_energy_kwh(self, tx: Transaction) -> float:
        return round(tx.energy_wh / 1000, 3)

    def get_duration_s(self, tx: Transaction) -> int | None:
        if tx.stop_transaction_timestamp is None:
            return None
        return int((tx.stop_transaction_timestamp - tx.start_transaction_timestamp).total_seconds())

    def to_representation(self, tx):
        data = super().to_representation(tx)
        request = self.context.get("request")
        if request is not None and not sees_all(request.user, Transaction):
            # Review flags and the account link are the business of those who see every
            # transaction (chargepoints.view_transaction), not of the driver.
            data["user"] = None
            data["needs_review"] = False
        return data


class SampledValueSerializer(serializers.ModelSerializer):
    # Plain text: blank when the charger sent none.
    phase = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
    context = serializers.CharField(read_only=True)
    numeric_unit = serializers.SerializerMethodField(
        help_text="Unit of numeric_value: the measurand's base unit (Wh, W, A, V, ...)."
    )

    class Meta:
        model = SampledValue
        fields = [
            "timestamp",
            "measurand",
            "phase",
            "location",
            "context",
            "value",
            "unit",
            "numeric_value",
            "numeric_unit",
        ]
        read_only_fields = fields

    def get_numeric_unit(self, sample: SampledValue) -> str:
        return default_unit(sample.measurand)


class SessionSerializer(serializers.ModelSerializer):
    """A session as it is now.

    Read through chargepoints.api.charging.selectors, a session that has
    failed or timed out since the periodic sweep last ran is shown so
    (``current_status``), without writing; an object a request has just made
    or changed is current as stored.
    """

    chargepoint = serializers.CharField(source="chargepoint_id", read_only=True)
    connector_id = serializers.IntegerField(
        source="connector.connectorid", read_only=True, allow_null=True, default=None
    )
    id_tag = serializers.CharField(source="id_tag_id", read_only=True, allow_null=True)
    start_command = CommandBriefSerializer(read_only=True, allow_null=True)
    transaction = TransactionSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChargingSession
        fields = [
            "session_id",
            "status",
            "status_reason",
            "chargepoint",
            "connector_id",
            "id_tag",
            "vehicle",
            "user",
            "start_time",
            "end_time",
            "last_activity",
            "start_command",
            "transaction",
        ]
        read_only_fields = fields

    def to_representation(self, session):
        data = super().to_representation(session)
        # Only a session still stored ACTIVE can have ended since: the
        # annotation of an object a request then changed is stale.
        current = getattr(session, "current_status", session.status)
        if session.status == SessionStatus.ACTIVE and current != session.status:
            data["status"] = current
            data["end_time"] = self.fields["end_time"].to_representation(session.current_end_time)
            data["status_reason"] = _ended_reason(session, current)
        return data


def _ended_reason(session: ChargingSession, status: str) -> str:
    # What the sweep will write (chargepoints.services.expiry).
    if status == SessionStatus.TIMEOUT:
        return TIMEOUT_REASON
    return command_outcome(session.start_command).detail[:255]


class SessionStartSerializer(serializers.Serializer):
    chargepoint = serializers.CharField(max_length=255, help_text="The charge point id.")
    connector_id = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="Optional when the charge point has one connector.",
    )
    id_tag = serializers.CharField(
        max_length=255, required=False, help_text="One of your id tags; default: your first."
    )
    vehicle = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True
    )


class ReservationSerializer(serializers.ModelSerializer):
    chargepoint = serializers.CharField(source="chargepoint_id", read_only=True)
    connector_id = serializers.IntegerField(
        source="connector.connectorid", read_only=True, allow_null=True, default=None
    )
    id_tag = serializers.CharField(source="id_tag_id", read_only=True, allow_null=True)

    class Meta:
        model = Reservation
        fields = [
            "uuid",
            "reservation_id",
            "chargepoint",
            "connector_id",
            "id_tag",
            "user",
            "start_time",
            "expiry_date",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, reservation):
        data = super().to_representation(reservation)
        # Past its expiry, shown expired before the periodic sweep writes it.
        if reservation.status == ReservationStatus.ACTIVE:
            data["status"] = getattr(reservation, "current_status", reservation.status)
        return data


class ReservationCreateSerializer(serializers.Serializer):
    chargepoint = serializers.CharField(max_length=255)
    connector_id = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="Empty: any connector of the charge point.",
    )
    expiry_date = serializers.DateTimeField()
    id_tag = serializers.CharField(max_length=255, required=False)

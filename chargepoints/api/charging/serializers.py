from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chargepoints.api import help_texts as docs
from chargepoints.api.charging import examples as ex
from chargepoints.api.commands.serializers import CommandNameField
from chargepoints.enums import CommandStatus, ReservationStatus, TransactionStatus
from chargepoints.models import ChargingSession, Command, Reservation, SampledValue, Transaction
from chargepoints.services.metering import default_unit
from chargepoints.services.transaction_prices import transaction_price
from csms.api.fields import NullableCharField, UpperChoiceField
from csms.api.money import PriceSerializer, price_of
from csms.api.permissions import sees_all


class CommandBriefSerializer(serializers.ModelSerializer):
    """The command a request sent to the charger, and how it went so far."""

    command = CommandNameField(source="name", read_only=True)
    status = UpperChoiceField(CommandStatus.choices, read_only=True)
    error_code = NullableCharField(read_only=True)

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
        help_texts = docs.COMMAND


# The codes of the 409 refusals of starts, stops and reservations.
REFUSAL_CODES = [
    "charger_offline",
    "connector_busy",
    "connector_unavailable",
    "connector_reserved",
    "no_usable_tag",
    "charger_rejected",
    "charger_timeout",
    "charger_error",
    "not_active",
    "start_pending",
    "tag_in_transaction",
    "idempotency_key_in_flight",
]
STOP_OUTCOMES = ["REMOTE_STOP", "CLOSED", "CANCELED"]


class RefusalSerializer(serializers.Serializer):
    """409: the request was understood but cannot be done now (RFC 9457 problem details)."""

    type = serializers.CharField(help_text="The problem type: the code as a URI.")
    title = serializers.CharField(help_text="The code in words.")
    status = serializers.IntegerField(help_text="409.")
    detail = serializers.CharField(help_text="What was refused and why, in words.")
    code = serializers.ChoiceField(
        choices=REFUSAL_CODES,
        help_text="Why: charger_offline, connector_busy (in use), connector_unavailable "
        "(out of order or inoperative), connector_reserved (for someone else), no_usable_tag "
        "(none of your id tags may charge), charger_rejected / charger_timeout / charger_error "
        "(the charger refused, did not answer, or failed), not_active (nothing to stop), "
        "start_pending (another start of yours is still waiting: cancel it), "
        "tag_in_transaction (your tag is in another open transaction), "
        "idempotency_key_in_flight (the same Idempotency-Key is still being handled).",
    )
    session_id = serializers.CharField(
        required=False, help_text="The session the refusal is about (a start that failed)."
    )
    transaction_id = serializers.IntegerField(
        required=False,
        help_text="tag_in_transaction: the open transaction holding your tag (end it to start).",
    )
    chargepoint_id = serializers.CharField(
        required=False, help_text="start_pending: the charge point of your waiting start."
    )
    connector_id = serializers.IntegerField(
        required=False, help_text="start_pending: the connector of your waiting start."
    )
    retry_after = serializers.IntegerField(
        required=False,
        help_text="charger_offline on a stop: seconds until asking again may have the "
        "transaction closed (also the Retry-After header).",
    )


class CommandSentSerializer(serializers.Serializer):
    """202: the charger took the request (or has yet to answer); the outcome follows."""

    detail = serializers.CharField()
    command = CommandBriefSerializer()

    class Meta:
        help_texts = docs.COMMAND_SENT


@extend_schema_serializer(examples=ex.TRANSACTION)
class TransactionSerializer(serializers.ModelSerializer):
    transaction_id = serializers.IntegerField(read_only=True)
    chargepoint_id = serializers.CharField(read_only=True)
    connector_id = serializers.IntegerField(
        source="connector.connectorid", read_only=True, allow_null=True, default=None
    )
    status = serializers.ChoiceField(
        TransactionStatus.choices, source="transaction_status", read_only=True
    )
    started_at = serializers.DateTimeField(source="start_transaction_timestamp", read_only=True)
    stopped_at = serializers.DateTimeField(
        source="stop_transaction_timestamp", read_only=True, allow_null=True
    )
    energy_kwh = serializers.SerializerMethodField()
    duration_s = serializers.SerializerMethodField()
    # Billing's price, read through the interface it fills (views fetch it
    # with the transactions: transactions_with_prices).
    cost = serializers.SerializerMethodField(
        help_text="The cost so far (the CDR's once billed), excl. and incl. VAT; null if unpriced."
    )
    session_id = serializers.CharField(
        source="session.session_id", read_only=True, allow_null=True, default=None
    )
    # The latest readings, named as the live sockets name them (chargepoints/services/live.py).
    power_w = serializers.FloatField(source="last_power_w", read_only=True, allow_null=True)
    current_a = serializers.FloatField(source="last_current_a", read_only=True, allow_null=True)
    voltage_v = serializers.FloatField(source="last_voltage_v", read_only=True, allow_null=True)
    soc_percent = serializers.FloatField(
        source="last_soc", read_only=True, allow_null=True, help_text="State of charge (%)."
    )
    # OCPP's words, quoted (not API enums); null until the charger reports them
    # (and a 1.6 charger never reports a charging state).
    charging_state = NullableCharField(read_only=True)
    reason_stopped = NullableCharField(read_only=True)

    class Meta:
        model = Transaction
        fields = [
            "transaction_id",
            "chargepoint_id",
            "connector_id",
            "status",
            "started_at",
            "stopped_at",
            "reason_stopped",
            "energy_kwh",
            "duration_s",
            "wh_meter_start",
            "wh_meter_stop",
            "cost",
            "charging_state",
            "power_w",
            "current_a",
            "voltage_v",
            "soc_percent",
            "id_token",
            "vehicle",
            "session_id",
            "user",
            "needs_review",
        ]
        read_only_fields = fields
        help_texts = docs.TRANSACTION

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_cost(self, tx: Transaction):
        return price_of(transaction_price(tx=tx))

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


@extend_schema_serializer(examples=ex.SAMPLED_VALUE)
class SampledValueSerializer(serializers.ModelSerializer):
    # OCPP's words, quoted (not API enums); null when the charger sent none.
    phase = NullableCharField(read_only=True)
    location = NullableCharField(read_only=True)
    context = NullableCharField(read_only=True)
    unit = NullableCharField(read_only=True)
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
        help_texts = docs.SAMPLED_VALUE

    def get_numeric_unit(self, sample: SampledValue) -> str:
        return default_unit(sample.measurand)


@extend_schema_serializer(examples=ex.SESSION)
class SessionSerializer(serializers.ModelSerializer):
    """A session as stored: its status moves when something happens (SessionStatus)."""

    chargepoint_id = serializers.CharField(read_only=True)
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
            "chargepoint_id",
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
        help_texts = docs.SESSION


@extend_schema_serializer(examples=ex.STOP)
class StopSerializer(serializers.Serializer):
    """What a stop did: the charger asked (REMOTE_STOP), or the transaction closed (CLOSED)."""

    outcome = serializers.ChoiceField(
        choices=STOP_OUTCOMES,
        help_text=(
            "REMOTE_STOP: the charger was asked to stop (202); CLOSED: the charger could not "
            "end it, the CSMS closed the transaction (200) and an operator will review it; "
            "CANCELED: the start was still waiting for the charger and is canceled (200)."
        ),
    )
    detail = serializers.CharField()
    transaction_id = serializers.IntegerField(source="transaction.pk", allow_null=True)
    session_id = serializers.SerializerMethodField()
    command = CommandBriefSerializer(allow_null=True)

    class Meta:
        help_texts = docs.STOP

    def get_session_id(self, result) -> str | None:
        session = result.session or getattr(result.transaction, "session", None)
        return session.session_id if session is not None else None


class SessionStartSerializer(serializers.Serializer):
    chargepoint_id = serializers.CharField(max_length=255, help_text="The charge point id.")
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

    class Meta:
        help_texts = docs.SESSION_START


@extend_schema_serializer(examples=ex.RESERVATION)
class ReservationSerializer(serializers.ModelSerializer):
    chargepoint_id = serializers.CharField(read_only=True)
    connector_id = serializers.IntegerField(
        source="connector.connectorid", read_only=True, allow_null=True, default=None
    )
    id_tag = serializers.CharField(source="id_tag_id", read_only=True, allow_null=True)

    class Meta:
        model = Reservation
        fields = [
            "uuid",
            "reservation_id",
            "chargepoint_id",
            "connector_id",
            "id_tag",
            "user",
            "start_time",
            "expiry_date",
            "status",
            "created_at",
        ]
        read_only_fields = fields
        help_texts = docs.RESERVATION

    def to_representation(self, reservation):
        data = super().to_representation(reservation)
        # Past its expiry, shown expired before the periodic sweep writes it.
        if reservation.status == ReservationStatus.ACTIVE:
            data["status"] = getattr(reservation, "current_status", reservation.status)
        return data


class ReservationCreateSerializer(serializers.Serializer):
    chargepoint_id = serializers.CharField(max_length=255)
    connector_id = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="Empty: any connector of the charge point.",
    )
    expiry_date = serializers.DateTimeField()
    id_tag = serializers.CharField(max_length=255, required=False)

    class Meta:
        help_texts = docs.RESERVATION_CREATE

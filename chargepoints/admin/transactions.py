"""Transactions, their readings, sessions, reservations and charging profiles in the admin."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from chargepoints.models import (
    ChargingProfile,
    ChargingSession,
    Reservation,
    SampledValue,
    Transaction,
)
from chargepoints.services.transaction_closing import TransactionNotActive, transaction_close
from chargepoints.transaction_resources import TransactionResource
from csms.imports.rows import ListExportMixin

SAMPLED_VALUES_SHOWN = 100


class SampledValueInline(admin.TabularInline):
    """The newest readings of a transaction; all of them are one click away.

    A wallbox sending twenty measurands a minute makes tens of thousands of
    rows per session: rendering them all would make the page unusable.
    """

    model = SampledValue
    fields = ["timestamp", "measurand", "phase", "value", "unit", "context", "location"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = f"sampled values (newest {SAMPLED_VALUES_SHOWN})"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        newest = queryset.order_by("-timestamp").values_list("pk", flat=True)[:SAMPLED_VALUES_SHOWN]
        return queryset.filter(pk__in=list(newest)).order_by("timestamp")

    def has_add_permission(self, request, obj=None):
        return False


TRANSACTION_REPORTED = [
    "transaction_id",
    "uuid",
    "charger_transaction_id",
    "chargepoint",
    "connector",
    "id_tag",
    "id_token_type",
    "remote_start_id",
    "start_transaction_timestamp",
    "stop_transaction_timestamp",
    "reason_stopped",
    "wh_meter_start",
    "wh_meter_last",
    "wh_meter_last_timestamp",
    "wh_meter_stop",
    "charging_state",
    "trigger_reason",
    "sequence_number",
    "number_of_phases_used",
    "created_at",
    "updated_at",
]

TRANSACTION_RECONCILABLE = ["connector", "start_transaction_timestamp", "wh_meter_start"]


@admin.register(Transaction)
class TransactionAdmin(ListExportMixin, admin.ModelAdmin):
    list_display = [
        "transaction_id",
        "chargepoint",
        "connector",
        "id_tag",
        "user",
        "transaction_status",
        "start_transaction_timestamp",
        "stop_transaction_timestamp",
        "total_energy",
    ]
    list_filter = ["transaction_status", "needs_review", "reason_stopped", "charging_state"]
    search_fields = [
        "transaction_id",
        "charger_transaction_id",
        "chargepoint__chargepoint_id",
        "id_tag__idToken",
        "user__username",
        "user__phone_number",
    ]
    date_hierarchy = "start_transaction_timestamp"
    list_select_related = ["chargepoint", "connector", "id_tag", "user"]
    readonly_fields = TRANSACTION_REPORTED
    raw_id_fields = ["user", "vehicle", "reservation", "chargingprofile"]
    inlines = [SampledValueInline]
    # Billing registers a subclass adding the price and reconciling (billing/admin.py).
    actions = ["close"]
    resource_classes = [TransactionResource]

    def has_close_permission(self, request) -> bool:
        return request.user.has_perm("chargepoints.close_transaction")

    @admin.action(
        description="Close selected transactions their chargers never stopped (for review)",
        permissions=["close"],
    )
    def close(self, request, queryset):
        # The charger will never stop it (it rebooted, or lost it): closed at
        # the last moment it was known to run, flagged, never billed by itself
        # (chargepoints/services/transaction_closing.py).
        closed = 0
        for transaction_id in queryset.values_list("pk", flat=True):
            try:
                transaction_close(
                    transaction_id=transaction_id,
                    why=f"closed by operator {request.user.get_username()}",
                )
                closed += 1
            except TransactionNotActive as error:
                self.message_user(request, str(error), messages.WARNING)
        if closed:
            self.message_user(
                request,
                f"{closed} transactions closed and flagged for review; reconcile them to bill "
                "the energy known so far.",
                messages.SUCCESS,
            )

    def get_readonly_fields(self, request, obj=None):
        # A new transaction can be entered by hand (e.g. from a paper log);
        # what a charger reported is fixed afterwards.
        # closed_by_csms is the CSMS's record of its own close: its charger's
        # stop, should it come, completes the transaction by it.
        if obj is None:
            return ["transaction_id", "uuid", "charging_states", "closed_by_csms"]
        reported = TRANSACTION_REPORTED
        if obj.needs_review:
            # What an operator may correct before reconciling a transaction we
            # learnt of only partly (a stop for an unknown start).
            reported = [f for f in reported if f not in TRANSACTION_RECONCILABLE]
        return [*reported, "charging_states", "closed_by_csms", "all_readings"]

    @admin.display(description="readings")
    def all_readings(self, obj: Transaction) -> str:
        url = reverse("admin:chargepoints_sampledvalue_changelist")
        count = obj.sampled_values.count()
        return format_html('<a href="{}?transaction={}">All {} readings</a>', url, obj.pk, count)


@admin.register(ChargingSession)
class ChargingSessionAdmin(admin.ModelAdmin):
    list_display = [
        "session_id",
        "chargepoint",
        "connector",
        "user",
        "status",
        "start_time",
        "end_time",
        "last_activity",
    ]
    list_filter = ["status"]
    search_fields = ["session_id", "chargepoint__chargepoint_id", "user__phone_number"]
    raw_id_fields = ["chargepoint", "connector", "user", "transaction"]


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = [
        "reservation_id",
        "chargepoint",
        "connector",
        "user",
        "id_tag",
        "start_time",
        "expiry_date",
        "status",
    ]
    list_filter = ["status"]
    search_fields = [
        "reservation_id",
        "chargepoint__chargepoint_id",
        "user__phone_number",
        "id_tag__idToken",
    ]
    raw_id_fields = ["chargepoint", "connector", "user", "id_tag"]


@admin.register(ChargingProfile)
class ChargingProfileAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "chargingprofile_id",
        "chargepoint",
        "connector",
        "chargingprofile_purpose",
        "chargingprofile_kind",
        "stack_level",
        "charging_rate_unit",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["chargingprofile_purpose", "chargingprofile_kind", "charging_rate_unit"]
    search_fields = ["name", "description", "chargepoint__chargepoint_id"]
    raw_id_fields = ["chargepoint", "connector", "transaction"]

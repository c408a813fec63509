from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django_countries.filters import CountryFilter

from chargepoints.admin_commands import ChargePointCommandsMixin, CommandInline
from chargepoints.models import (
    ChargePoint,
    ChargerEvent,
    ChargingProfile,
    ChargingSession,
    ConfigurationVariable,
    Connector,
    Heartbeat,
    Location,
    Reservation,
    SampledValue,
    StatusNotification,
    Transaction,
)
from chargepoints.selectors import chargepoint_energy_totals
from chargepoints.services.connections import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    chargepoint_set_password,
)
from csms.admin_tools import ReportedHistoryAdmin

SAMPLED_VALUES_SHOWN = 100

# What a charger reports about itself: shown, never edited by hand, or the
# admin would contradict the charger until its next message.
CHARGER_REPORTED = [
    "connected",
    "chargepoint_status",
    "status",
    "availability_status",
    "error_code",
    "status_timestamp",
    "ocpp_version",
    "chargepoint_vendor",
    "chargepoint_model",
    "chargepoint_serial_number",
    "chargebox_serial_number",
    "firmware_version",
    "iccid",
    "imsi",
    "meter_type",
    "meter_serial_number",
    "boot_reason",
    "last_boot_at",
    "ip_address",
    "websocket_port",
    "last_heartbeat",
    "created_at",
    "last_updated",
]


class ChargePointInline(admin.TabularInline):
    model = ChargePoint
    fields = ["chargepoint_id", "name", "connected", "chargepoint_status", "ocpp_version"]
    readonly_fields = ["connected", "chargepoint_status", "ocpp_version"]
    show_change_link = True
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "country", "parking_type", "time_zone", "last_updated"]
    # Only the countries the operator has sites in, not all 249.
    list_filter = [("country", CountryFilter), "parking_type"]
    search_fields = ["name", "address", "city", "postal_code", "id"]
    readonly_fields = ["last_updated"]
    inlines = [ChargePointInline]


class ConnectorInline(admin.TabularInline):
    model = Connector
    fields = [
        "connectorid",
        "evse_id",
        "evse_connector_id",
        "standard",
        "format",
        "power_type",
        "max_power",
        "max_current",
        "status",
        "connector_status",
        "availability_status",
        "error_code",
        "current_limit",
    ]
    readonly_fields = [
        "status",
        "connector_status",
        "availability_status",
        "error_code",
        "current_limit",
    ]
    show_change_link = True
    extra = 0


class ChargePointForm(forms.ModelForm):
    """Sets the HTTP Basic password (OCPP security profile 1); only its hash is kept."""

    new_password = forms.CharField(
        required=False,
        strip=False,
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False),
        help_text=f"Basic auth password the charger must present "
        f"({PASSWORD_MIN_LENGTH}-{PASSWORD_MAX_LENGTH} characters). Leave empty to keep.",
    )
    remove_password = forms.BooleanField(
        required=False, help_text="Let the charger connect without a password."
    )

    class Meta:
        model = ChargePoint
        fields = [
            "chargepoint_id",
            "name",
            "location",
            "latitude",
            "longitude",
            "max_power",
            "connector_count",
            "registration_status",
        ]


@admin.register(ChargePoint)
class ChargePointAdmin(ChargePointCommandsMixin, admin.ModelAdmin):
    form = ChargePointForm
    list_display = [
        "chargepoint_id",
        "name",
        "location",
        "connected",
        "status",
        "ocpp_version",
        "chargepoint_vendor",
        "chargepoint_model",
        "firmware_version",
        "last_heartbeat",
    ]
    list_filter = [
        "connected",
        "status",
        "ocpp_version",
        "chargepoint_vendor",
        "location",
    ]
    search_fields = [
        "chargepoint_id",
        "name",
        "chargepoint_serial_number",
        "chargebox_serial_number",
        "chargepoint_vendor",
        "chargepoint_model",
        "location__name",
    ]
    readonly_fields = CHARGER_REPORTED
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "chargepoint_id",
                    "name",
                    "location",
                    ("latitude", "longitude"),
                    "max_power",
                    "connector_count",
                    "registration_status",
                    "command_links",
                ]
            },
        ),
        ("Security profile 1", {"fields": ["has_password", "new_password", "remove_password"]}),
        (
            "Reported by the charger",
            {
                "fields": [
                    "energy",
                    ("connected", "ocpp_version"),
                    ("status", "chargepoint_status", "error_code", "status_timestamp"),
                    ("availability_status", "local_list_version"),
                    ("chargepoint_vendor", "chargepoint_model"),
                    ("chargepoint_serial_number", "chargebox_serial_number"),
                    "firmware_version",
                    ("iccid", "imsi"),
                    ("meter_type", "meter_serial_number"),
                    ("boot_reason", "last_boot_at"),
                    ("ip_address", "websocket_port"),
                    "last_heartbeat",
                    ("created_at", "last_updated"),
                ]
            },
        ),
    ]
    inlines = [ConnectorInline, CommandInline]

    def get_readonly_fields(self, request, obj=None):
        shown = [*CHARGER_REPORTED, "local_list_version", "has_password", "energy", "command_links"]
        # The id is the charger's identity on the wire: fixed once created.
        return [*shown, "chargepoint_id"] if obj is not None else shown

    @admin.display(description="energy delivered (kWh)")
    def energy(self, obj: ChargePoint) -> str:
        if obj is None or obj.pk is None:
            return "—"
        totals = chargepoint_energy_totals(chargepoint=obj)
        return (
            f"today {totals.day:g} · this week {totals.week:g} · "
            f"this month {totals.month:g} · this year {totals.year:g}"
        )

    @admin.display(description="password set", boolean=True)
    def has_password(self, obj: ChargePoint) -> bool:
        return bool(obj and obj.password)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("remove_password"):
            chargepoint_set_password(chargepoint=obj, password=None)
        elif form.cleaned_data.get("new_password"):
            chargepoint_set_password(chargepoint=obj, password=form.cleaned_data["new_password"])


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "chargepoint",
        "connectorid",
        "evse_id",
        "standard",
        "power_type",
        "max_power",
        "connector_status",
        "availability_status",
        "error_code",
        "last_updated",
    ]
    list_filter = ["status", "connector_status", "availability_status", "standard", "power_type"]
    search_fields = ["chargepoint__chargepoint_id", "chargepoint__name"]
    readonly_fields = [
        "status",
        "connector_status",
        "status_timestamp",
        "availability_status",
        "error_code",
        "current_limit",
        "last_updated",
    ]
    raw_id_fields = ["chargepoint"]
    # Billing registers a subclass adding the connector's tariffs (billing/admin.py).


@admin.register(StatusNotification)
class StatusNotificationAdmin(ReportedHistoryAdmin):
    list_display = [
        "timestamp",
        "chargepoint",
        "connector",
        "status_reported",
        "error_code",
        "info",
        "vendor_error_code",
    ]
    list_filter = ["status_reported", "error_code"]
    search_fields = ["chargepoint__chargepoint_id", "info", "vendor_id", "vendor_error_code"]
    date_hierarchy = "timestamp"
    list_select_related = ["chargepoint", "connector"]


@admin.register(Heartbeat)
class HeartbeatAdmin(ReportedHistoryAdmin):
    list_display = ["timestamp", "chargepoint"]
    search_fields = ["chargepoint__chargepoint_id"]
    date_hierarchy = "timestamp"


@admin.register(ConfigurationVariable)
class ConfigurationVariableAdmin(admin.ModelAdmin):
    list_display = [
        "chargepoint",
        "component",
        "evse_id",
        "variable",
        "attribute_type",
        "value",
        "readonly",
        "updated_at",
    ]
    list_filter = ["component", "attribute_type", "readonly"]
    search_fields = ["chargepoint__chargepoint_id", "component", "variable", "value"]
    readonly_fields = ["updated_at"]
    raw_id_fields = ["chargepoint"]


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
class TransactionAdmin(admin.ModelAdmin):
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
    list_filter = ["transaction_status", "reason_stopped", "charging_state"]
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

    def get_readonly_fields(self, request, obj=None):
        # A new transaction can be entered by hand (e.g. from a paper log);
        # what a charger reported is fixed afterwards.
        if obj is None:
            return ["transaction_id", "uuid", "charging_states"]
        reported = TRANSACTION_REPORTED
        if obj.needs_review:
            # What an operator may correct before reconciling a transaction we
            # learnt of only partly (a stop for an unknown start).
            reported = [f for f in reported if f not in TRANSACTION_RECONCILABLE]
        return [*reported, "charging_states", "all_readings"]

    @admin.display(description="readings")
    def all_readings(self, obj: Transaction) -> str:
        url = reverse("admin:chargepoints_sampledvalue_changelist")
        count = obj.sampled_values.count()
        return format_html('<a href="{}?transaction={}">All {} readings</a>', url, obj.pk, count)


@admin.register(SampledValue)
class SampledValueAdmin(ReportedHistoryAdmin):
    list_display = [
        "timestamp",
        "chargepoint",
        "transaction",
        "measurand",
        "phase",
        "value",
        "unit",
        "context",
    ]
    list_filter = ["measurand", "context", "phase", "location"]
    search_fields = ["chargepoint__chargepoint_id", "=transaction__transaction_id"]
    date_hierarchy = "timestamp"
    list_select_related = ["chargepoint", "transaction"]


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


@admin.register(ChargerEvent)
class ChargerEventAdmin(ReportedHistoryAdmin):
    list_display = ["timestamp", "chargepoint", "kind", "status", "evse_id", "request_id"]
    list_filter = ["kind"]
    search_fields = ["chargepoint__chargepoint_id", "status", "detail"]
    date_hierarchy = "timestamp"
    list_select_related = ["chargepoint"]

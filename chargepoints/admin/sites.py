"""Sites in the admin: locations, charge points and their connectors."""

from django import forms
from django.contrib import admin
from django_countries.filters import CountryFilter

from chargepoints.admin.commands import ChargePointCommandsMixin, CommandInline
from chargepoints.models import (
    ChargePoint,
    Connector,
    Location,
)
from chargepoints.selectors import chargepoint_energy_totals
from chargepoints.services.connections import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    chargepoint_set_password,
)

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
    "auto_registered",
    "connection_process",
    "frames_refused",
    "client_cert_serial",
    "client_cert_fingerprint",
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
            "security_profile",
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
        "registration_status",
        "security_profile",
        "auto_registered",
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
        (
            "Security",
            {
                "fields": [
                    "security_profile",
                    "has_password",
                    "new_password",
                    "remove_password",
                    ("client_cert_serial", "client_cert_fingerprint"),
                ]
            },
        ),
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
                    ("connection_process", "frames_refused"),
                    "last_heartbeat",
                    ("created_at", "last_updated", "auto_registered"),
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

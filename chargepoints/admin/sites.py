"""Sites in the admin: locations, charge points and their connectors."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django_countries.filters import CountryFilter

from chargepoints.admin.charger_page import ChargerPageMixin
from chargepoints.admin.commands import ChargePointCommandsMixin
from chargepoints.enums import SecurityProfile
from chargepoints.models import (
    ChargePoint,
    Connector,
    Location,
)
from chargepoints.resources import ChargePointResource, LocationResource
from chargepoints.selectors import chargepoint_energy_totals
from chargepoints.services.connections import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    chargepoint_set_password,
    chargepoint_terms,
    chargepoint_terms_enforce,
)
from chargepoints.services.lockouts import chargepoint_lockouts
from chargepoints.services.sites import PASSWORD_BY_HAND_REFUSED, PASSWORD_RIGHT
from csms.imports.admin import ImportExportAdmin

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
class LocationAdmin(ImportExportAdmin, admin.ModelAdmin):
    resource_classes = [LocationResource]
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
    """The charger's security profile and password (profiles 1 and 2); only its hash is kept.

    A profile the record cannot meet is refused here rather than found out
    when the charger is locked out: profiles 1 and 2 need a password, and a
    charger with a password is on profile 1 at least (its password is
    always asked for).
    """

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
    # Whether the user may set or remove the password by hand (ChargePointAdmin.get_form).
    may_set_password = True

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.may_set_password:
            # A password set by hand is the charger's credential, as one the
            # rotation gives it: the same right (chargepoints.rotate_password).
            # Disabled, the fields are shown but what is posted for them is ignored.
            for name in ("new_password", "remove_password"):
                self.fields[name].disabled = True
                self.fields[name].help_text = PASSWORD_BY_HAND_REFUSED

    def clean(self):
        cleaned = super().clean()
        profile = cleaned.get("security_profile")
        keeps = bool(self.instance.password) and not cleaned.get("remove_password")
        password = keeps or bool(cleaned.get("new_password") and not cleaned.get("remove_password"))
        if profile in (SecurityProfile.BASIC_AUTH, SecurityProfile.BASIC_AUTH_TLS) and not password:
            self.add_error(
                "security_profile",
                "Profiles 1 and 2 need a password: set one below, or keep profile 0 and use "
                "the 'Give a new password' action (the charger moves to profile 1 once it "
                "accepts one)."
                if self.may_set_password
                else "Profiles 1 and 2 need a password. " + PASSWORD_BY_HAND_REFUSED,
            )
        if profile == SecurityProfile.NONE and password:
            self.add_error(
                "security_profile",
                "A charger with a password must present it: profile 1 at least, or tick "
                "'remove password'.",
            )
        return cleaned


@admin.register(ChargePoint)
class ChargePointAdmin(
    ImportExportAdmin, ChargerPageMixin, ChargePointCommandsMixin, admin.ModelAdmin
):
    resource_classes = [ChargePointResource]
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
                    "failed_logins",
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
    # The commands sent and their answers are a panel of the charger page (charger_page.py).
    inlines = [ConnectorInline]

    def get_readonly_fields(self, request, obj=None):
        shown = [
            *CHARGER_REPORTED,
            "local_list_version",
            "has_password",
            "failed_logins",
            "energy",
            "command_links",
        ]
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

    @admin.display(description="failed logins")
    def failed_logins(self, obj: ChargePoint) -> str:
        # Its charge point id's counts, one per client address
        # (chargepoints.services.lockouts): a lock holds back that address
        # only. Addresses locked out of every id are listed under Charger lock-outs.
        now = timezone.now()
        summary = chargepoint_lockouts(chargepoint_id=obj.pk, now=now) if obj and obj.pk else None
        if summary is None:
            return "none"
        listed = reverse("admin:chargepoints_chargerlockout_changelist")
        listed += "?" + urlencode({"kind": "chargepoint", "key__startswith": f"{obj.pk} from "})
        locks = [
            f"LOCKED OUT until {until:%Y-%m-%d %H:%M:%S} UTC from {address}"
            for address, until in summary.locks
        ]
        if summary.locked > len(locks):
            locks.append(f"and from {summary.locked - len(locks)} more addresses")
        text = "; ".join(locks) or "not locked out"
        text += f", {summary.failures} failed logins from {summary.addresses} address(es), "
        text += f"the last at {summary.last_failure_at:%Y-%m-%d %H:%M:%S} UTC"
        return format_html('{} (<a href="{}">charger lock-outs</a>)', text, listed)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.user.has_perm(PASSWORD_RIGHT):
            return form
        return type(form.__name__, (form,), {"may_set_password": False})

    def save_model(self, request, obj, form, change):
        stored = ChargePoint.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if request.user.has_perm(PASSWORD_RIGHT):
            # Without the right the fields were disabled: nothing was asked for.
            if form.cleaned_data.get("remove_password"):
                chargepoint_set_password(chargepoint=obj, password=None)
            elif form.cleaned_data.get("new_password"):
                chargepoint_set_password(
                    chargepoint=obj, password=form.cleaned_data["new_password"]
                )
        if stored is not None:
            chargepoint_terms_enforce(chargepoint=obj, before=chargepoint_terms(stored))


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

"""What chargers report, in the admin: shown as history, never edited by hand."""

from django.contrib import admin

from chargepoints.models import (
    ChargerEvent,
    ConfigurationVariable,
    Heartbeat,
    SampledValue,
    StatusNotification,
)
from csms.admin_tools import ReportedHistoryAdmin


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


@admin.register(ChargerEvent)
class ChargerEventAdmin(ReportedHistoryAdmin):
    list_display = ["timestamp", "chargepoint", "kind", "status", "evse_id", "request_id"]
    list_filter = ["kind"]
    search_fields = ["chargepoint__chargepoint_id", "status", "detail"]
    date_hierarchy = "timestamp"
    list_select_related = ["chargepoint"]

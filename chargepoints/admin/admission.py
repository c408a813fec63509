"""Who may connect, in the admin: charger lock-outs and the server processes holding chargers."""

from django.contrib import admin

from chargepoints.models import ChargerLockout, ServerProcess
from csms.admin_tools import ReportedHistoryAdmin


@admin.register(ChargerLockout)
class ChargerLockoutAdmin(ReportedHistoryAdmin):
    list_display = ["key", "kind", "failures", "last_failure_at", "locked_until"]
    list_filter = ["kind"]
    search_fields = ["key"]
    date_hierarchy = "last_failure_at"


@admin.register(ServerProcess)
class ServerProcessAdmin(ReportedHistoryAdmin):
    list_display = ["process_id", "hostname", "pid", "started_at", "heartbeat_at"]
    search_fields = ["process_id", "hostname"]

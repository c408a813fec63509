from django.contrib import admin

from csms.admin_tools import ReportedHistoryAdmin
from ocpp_gateway.models import OCPPMessage


@admin.register(OCPPMessage)
class OCPPMessageAdmin(ReportedHistoryAdmin):
    list_display = ["timestamp", "chargepoint", "direction", "message_type", "action", "message_id"]
    list_filter = ["direction", "message_type", "action"]
    search_fields = ["chargepoint__chargepoint_id", "message_id", "action"]
    date_hierarchy = "timestamp"
    list_select_related = ["chargepoint"]

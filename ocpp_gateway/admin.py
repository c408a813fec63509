from django.contrib import admin

from ocpp_gateway.models import OCPPMessage


@admin.register(OCPPMessage)
class OCPPMessageAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "chargepoint", "direction", "message_type", "action", "message_id"]
    list_filter = ["direction", "message_type", "action"]
    search_fields = ["chargepoint__chargepoint_id", "message_id", "action"]
    date_hierarchy = "timestamp"
    list_select_related = ["chargepoint"]

    # The log is evidence of what was said on the wire: never edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

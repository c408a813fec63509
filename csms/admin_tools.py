from django.contrib import admin


class ReportedHistoryAdmin(admin.ModelAdmin):
    """What chargers reported is history: shown and searchable, never added or edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

"""Who may connect, in the admin: charger lock-outs and the server processes holding chargers."""

from django.contrib import admin, messages
from django.utils import timezone

from chargepoints.models import ChargerLockout, ServerProcess
from chargepoints.services.lockouts import chargerlockouts_lift
from csms.admin_tools import ReportedHistoryAdmin


@admin.register(ChargerLockout)
class ChargerLockoutAdmin(ReportedHistoryAdmin):
    """Failed charger logins (chargepoints.services.lockouts); Operators lift a lock-out.

    A key is a charge point id from one client address ("CP-1 from
    198.51.100.7", found by searching the id) or a client address.
    """

    list_display = ["key", "kind", "failures", "last_failure_at", "locked_until", "locked_now"]
    list_filter = ["kind"]
    search_fields = ["key"]
    date_hierarchy = "last_failure_at"
    actions = ["lift"]

    @admin.display(description="locked now", boolean=True)
    def locked_now(self, obj: ChargerLockout) -> bool:
        return obj.locked_until is not None and obj.locked_until > timezone.now()

    def get_actions(self, request):
        # Lifting is the one way out: it says what it does, and logs who did it.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Lift the selected lock-outs", permissions=["delete"])
    def lift(self, request, queryset):
        lockouts = list(queryset)
        keys = [str(lockout) for lockout in lockouts]
        # In the admin's history, as a deletion by this operator.
        self.log_deletions(request, lockouts)
        lifted = chargerlockouts_lift(lockouts=queryset)
        self.message_user(
            request, f"{lifted} lock-out(s) lifted: {', '.join(keys)}", messages.SUCCESS
        )


@admin.register(ServerProcess)
class ServerProcessAdmin(ReportedHistoryAdmin):
    list_display = ["process_id", "hostname", "pid", "started_at", "heartbeat_at"]
    search_fields = ["process_id", "hostname"]

"""What roaming leaves behind, for operators: pushes to partners (the outbox), partners'
commands and authorizations. Shown, never edited: they are records of what was
said and sent; the one thing an operator does is retry pushes."""

from django.contrib import admin, messages

from billing.models import OcpiAuthorization, OcpiCommand, OcpiPush
from billing.ocpi.outbox import ocpi_pushes_discard, ocpi_pushes_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.get_fields() if field.concrete]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OcpiPush)
class OcpiPushAdmin(ReadOnlyAdmin):
    """The outbox (billing/ocpi/outbox.py): each call we owe a partner and how it went."""

    list_display = [
        "created_at",
        "partner",
        "module",
        "method",
        "object_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error_short",
    ]
    list_filter = ["status", "partner", "module", "method"]
    search_fields = ["object_key", "url", "last_error"]
    list_select_related = ["partner"]
    date_hierarchy = "created_at"
    actions = ["retry_now", "discard"]

    @admin.display(description="last error")
    def last_error_short(self, push: OcpiPush) -> str:
        return push.last_error[:120] or "-"

    # Pushes are never edited by hand, so retrying has a right of its own:
    # the model's change permission, which only this action uses.
    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("billing.change_ocpipush")

    @admin.action(description="Retry selected pushes now", permissions=["retry"])
    def retry_now(self, request, queryset):
        count = ocpi_pushes_retry(pushes=queryset)
        self.message_user(
            request,
            f"{count} pushes are due now (delivered ones left as they are).",
            messages.SUCCESS,
        )

    @admin.action(description="Discard selected failed pushes", permissions=["retry"])
    def discard(self, request, queryset):
        count = ocpi_pushes_discard(pushes=queryset)
        self.message_user(
            request,
            f"{count} failed pushes discarded: the later pushes of their objects go now.",
            messages.SUCCESS,
        )


@admin.register(OcpiCommand)
class OcpiCommandAdmin(ReadOnlyAdmin):
    """Partners' commands (OCPI 2.2.1 commands §13): our answer, the charger's result."""

    list_display = ["created_at", "partner", "type", "response", "result", "finished_at"]
    list_filter = ["type", "response", "result", "partner"]
    search_fields = ["ocpi_reservation_id", "response_url"]
    list_select_related = ["partner"]
    date_hierarchy = "created_at"


@admin.register(OcpiAuthorization)
class OcpiAuthorizationAdmin(ReadOnlyAdmin):
    """Partners' answers about their tokens' use (real-time, or with START_SESSION)."""

    list_display = [
        "created_at",
        "token",
        "source",
        "allowed",
        "authorization_reference",
        "transaction",
    ]
    list_filter = ["source", "allowed"]
    search_fields = ["authorization_reference", "token__uid", "token__id_tag__idToken"]
    list_select_related = ["token", "transaction"]
    raw_id_fields = ["token", "transaction"]
    date_hierarchy = "created_at"

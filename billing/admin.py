from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from billing import (
    admin_dashboard,  # noqa: F401 (today's revenue on the dashboard)
    admin_roaming,  # noqa: F401 (the push outbox, partners' commands and authorizations)
)
from billing.models import (
    CDR,
    OcpiPartner,
    PartnerToken,
    Tariff,
    TariffElement,
    TransactionPricing,
)
from billing.pricing import PricingError
from billing.resources import CDRResource, PricedTransactionResource
from billing.services.cdrs import (
    CdrRefused,
    cdr_approve,
    cdr_credit,
    cdr_reissue,
    transaction_reconcile,
)
from billing.services.partners import ocpi_partner_invite
from billing.services.pricing import tariff_in_force
from billing.validation.tariffs import tariff_errors
from chargepoints.admin import ConnectorAdmin, TransactionAdmin
from chargepoints.models import Connector, Transaction
from chargepoints.transaction_resources import TransactionResource
from csms.imports.rows import ListExportMixin


class TariffElementForm(forms.ModelForm):
    """An element typed in the admin is checked like an imported one (billing.validation)."""

    class Meta:
        model = TariffElement
        fields = ["position", "price_components", "restrictions"]

    def clean(self):
        cleaned = super().clean()
        element = {
            "price_components": cleaned.get("price_components"),
            "restrictions": cleaned.get("restrictions"),
        }
        probe = {"country_code": "DE", "party_id": "CSM", "id": "X", "currency": "EUR"}
        for path, message in tariff_errors({**probe, "elements": [element]}):
            field, _, rest = path.removeprefix("elements[0].").partition(".")
            name, _, index = field.partition("[")
            where = f"[{index}{'.' if rest else ''}{rest}" if index else rest
            self.add_error(
                name if name in self.fields else None, f"{where}: {message}".lstrip(": ")
            )
        return cleaned


class TariffElementInline(admin.StackedInline):
    model = TariffElement
    form = TariffElementForm
    extra = 0


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["id", "__str__", "country_code", "party_id", "currency", "type", "last_updated"]
    list_filter = ["currency", "type", "country_code", "party_id"]
    search_fields = ["id", "party_id"]
    readonly_fields = ["last_updated"]
    inlines = [TariffElementInline]
    filter_horizontal = ["connectors"]
    # A tariff URL typed without a scheme is an https one (Django 6.0's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(TariffElement)
class TariffElementAdmin(admin.ModelAdmin):
    form = TariffElementForm
    list_display = ["__str__", "tariff", "position"]
    search_fields = ["tariff__id"]
    raw_id_fields = ["tariff"]


def _lines(lines: list[str]) -> str:
    """Lines of text, escaped, one under the other ("-" for none)."""
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "-"


@admin.register(CDR)
class CDRAdmin(ListExportMixin, admin.ModelAdmin):
    """CDRs are invoices: shown, never edited (OCPI 2.2.1 CDRs §10.2.1).

    Corrections go through the actions, which add a credit CDR and a new one.
    """

    list_display = [
        "id",
        "start_date_time",
        "end_date_time",
        "total_energy",
        "cost",
        "auth_method",
        "credit",
        "needs_review",
    ]
    list_filter = [
        "needs_review",
        "credit",
        "auth_method",
        "currency",
        "home_charging_compensation",
    ]
    search_fields = ["id", "session_id", "authorization_reference", "credit_reference_id"]
    date_hierarchy = "end_date_time"
    actions = ["approve", "credit_selected", "reprice_selected"]
    # The accounting export's file (manage.py export_cdrs), of what the list shows.
    resource_classes = [CDRResource]

    def get_readonly_fields(self, request, obj=None):
        names = [field.name for field in CDR._meta.get_fields() if field.concrete]
        # The engine's notes read as lines, not as the JSON list they are stored as.
        return [("notes" if name == "pricing_notes" else name) for name in names]

    @admin.display(description="pricing notes")
    def notes(self, obj: CDR) -> str:
        lines = obj.pricing_notes or []
        return _lines(lines)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="total cost", ordering="total_cost")
    def cost(self, obj: CDR) -> str:
        total = obj.total_cost or {}
        return f"{total.get('incl_vat', total.get('excl_vat'))} {obj.currency} incl. VAT"

    def _each(self, request, queryset, work, done: str) -> None:
        count = 0
        for cdr in queryset:
            try:
                work(cdr)
                count += 1
            except (CdrRefused, PricingError) as error:
                self.message_user(request, str(error), messages.ERROR)
        if count:
            self.message_user(request, done.format(count=count), messages.SUCCESS)

    # CDRs are never changed (has_change_permission), so their actions have
    # rights of their own (CDR.Meta.permissions).
    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("billing.approve_cdr")

    def has_credit_permission(self, request) -> bool:
        return request.user.has_perm("billing.credit_cdr")

    @admin.action(
        description="Approve selected CDRs for partners (review done)", permissions=["approve"]
    )
    def approve(self, request, queryset):
        self._each(request, queryset, lambda cdr: cdr_approve(cdr=cdr), "{count} CDRs approved.")

    @admin.action(description="Credit selected CDRs (cancel them)", permissions=["credit"])
    def credit_selected(self, request, queryset):
        remark = f"Credited by {request.user.get_username()}."
        self._each(
            request,
            queryset,
            lambda cdr: cdr_credit(cdr=cdr, remark=remark),
            "{count} credit CDRs created.",
        )

    @admin.action(
        description="Credit and reprice with the connector's tariff in force now",
        permissions=["credit"],
    )
    def reprice_selected(self, request, queryset):
        def reprice(cdr: CDR) -> None:
            tx = cdr.transaction
            tariff = None
            if tx is not None and tx.connector is not None:
                tariff = tariff_in_force(connector=tx.connector, at=tx.start_transaction_timestamp)
            if tariff is None:
                raise CdrRefused(f"CDR {cdr.id}: its connector has no tariff to reprice with.")
            remark = f"Repriced with tariff {tariff.id} by {request.user.get_username()}."
            cdr_reissue(cdr=cdr, tariff=tariff, remark=remark)

        self._each(request, queryset, reprice, "{count} CDRs credited and reissued.")


class PartnerTokenInline(admin.TabularInline):
    """The tags this partner issued: it sees their sessions and CDRs (billing.ocpi.selectors)."""

    model = PartnerToken
    extra = 0
    raw_id_fields = ["id_tag"]
    # What the partner pushed (OCPI tokens module) is shown, not edited here,
    # with the partner's latest answers about its use (real-time, START_SESSION).
    fields = ["id_tag", "country_code", "party_id", "type", "contract_id", "whitelist"]
    fields += ["valid", "last_updated", "authorizations"]
    readonly_fields = fields[1:]

    @admin.display(description="latest authorizations")
    def authorizations(self, token: PartnerToken) -> str:
        if token.pk is None:
            return "-"
        latest = token.authorizations.order_by("-created_at", "-pk")[:5]
        lines = [
            f"{a.created_at:%Y-%m-%d %H:%M:%S} {a.allowed} ({a.get_source_display()})"
            + (f" ref {a.authorization_reference}" if a.authorization_reference else "")
            + (f", transaction {a.transaction_id}" if a.transaction_id else "")
            for a in latest
        ]
        return _lines(lines)


@admin.register(OcpiPartner)
class OcpiPartnerAdmin(admin.ModelAdmin):
    """Roaming partners. Invite one, give it our versions URL and its token A.

    Token A is shown once, in the message that issues it: only its hash is
    kept, so no page shows a partner's token again (issue 15, finding 8).
    """

    list_display = ["name", "country_code", "party_id", "status", "sees_our_drivers"]
    list_display += ["version", "last_updated"]
    list_filter = ["status", "sees_our_drivers"]
    search_fields = ["name", "party_id"]
    fields = ["name", "status", "sees_our_drivers", "country_code", "party_id", "roles"]
    fields += ["versions_url", "version", "endpoints", "created_at", "last_updated"]
    readonly_fields = ["country_code", "party_id", "roles", "versions_url", "version"]
    readonly_fields += ["endpoints", "created_at", "last_updated"]
    inlines = [PartnerTokenInline]
    actions = ["invite"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            token = ocpi_partner_invite(partner=obj)
            self.message_user(
                request,
                f"Give {obj.name} the versions URL {request.build_absolute_uri('/ocpi/versions')} "
                f"and the registration token {token} (shown only this once)",
                messages.SUCCESS,
            )

    # A new token A lets whoever holds it register as this partner: changing it.
    @admin.action(description="Issue a new registration token (token A)", permissions=["change"])
    def invite(self, request, queryset):
        for partner in queryset:
            token = ocpi_partner_invite(partner=partner)
            self.message_user(
                request, f"{partner.name}: registration token {token} (shown only this once)"
            )


class TransactionPricingInline(admin.StackedInline):
    """The tariff in force at the start, as it was then, and the cost so far: billing's to write."""

    model = TransactionPricing
    can_delete = False
    readonly_fields = ["tariff", "tariff_snapshot", "total_cost"]

    def has_add_permission(self, request, obj=None):
        return False


# The charging domain's admins, with what only billing knows: a transaction's
# price and reconciling, a connector's tariffs (chargepoints comes first in
# INSTALLED_APPS, so its admins are registered by now).
admin.site.unregister(Transaction)
admin.site.unregister(Connector)


PRICES_PERMISSION = "billing.view_transactionpricing"


@admin.register(Transaction)
class PricedTransactionAdmin(TransactionAdmin):
    list_display = [*TransactionAdmin.list_display, "pricing__total_cost"]
    list_select_related = [*TransactionAdmin.list_select_related, "pricing"]
    inlines = [TransactionPricingInline, *TransactionAdmin.inlines]
    actions = [*TransactionAdmin.actions, "reconcile"]
    resource_classes = [PricedTransactionResource]

    # Prices are billing's: staff who may view transactions but not their
    # pricing (as the dashboard's revenue figure) see and export the charger's
    # facts only.

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if request.user.has_perm(PRICES_PERMISSION):
            return columns
        return [column for column in columns if column != "pricing__total_cost"]

    def get_export_resource_classes(self, request):
        if request.user.has_perm(PRICES_PERMISSION):
            return [PricedTransactionResource]
        return [TransactionResource]

    def has_reconcile_permission(self, request) -> bool:
        # Reconciling makes CDRs (for review before any partner sees them).
        return request.user.has_perm("billing.add_cdr")

    @admin.action(
        description="Reconcile selected transactions and make their CDRs for review",
        permissions=["reconcile"],
    )
    def reconcile(self, request, queryset):
        made = 0
        for tx in queryset:
            try:
                transaction_reconcile(tx=tx)
                made += 1
            except (CdrRefused, PricingError) as error:
                self.message_user(request, str(error), messages.ERROR)
        if made:
            self.message_user(
                request, f"{made} CDRs made; approve them in CDRs once checked.", messages.SUCCESS
            )


class ConnectorTariffInline(admin.TabularInline):
    model = Tariff.connectors.through
    verbose_name = "tariff"
    verbose_name_plural = "tariffs (OCPI Connector.tariff_ids)"
    extra = 0
    autocomplete_fields = ["tariff"]


@admin.register(Connector)
class TariffedConnectorAdmin(ConnectorAdmin):
    inlines = [*ConnectorAdmin.inlines, ConnectorTariffInline]

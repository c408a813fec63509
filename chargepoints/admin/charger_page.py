"""The charger page: a charge point's change view as the place to watch and act on it.

Status per connector, the active transaction and its power curve, energy
charts, the commands sent and their answers, the buttons of the common
commands and the panels other apps register (the OCPP message log of the
gateway, csms/dashboard.py). A JSON twin of the live parts
(``<id>/live/``) lets the page refresh itself when the live socket says so.
"""

import json
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from django.contrib.admin.utils import quote, unquote
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from chargepoints.chart_selectors import power_curve
from chargepoints.enums import TransactionStatus
from chargepoints.models import ChargePoint, Command, Transaction
from chargepoints.selectors import chargepoint_energy_totals
from chargepoints.services.command_secrets import command_redacted
from csms.dashboard import dashboard

PAGE = "chargepoints.chargepoint"
COMMANDS_LISTED = 20

# The actions of ChargePointCommandsMixin offered as buttons, in this order;
# a user sees only those get_actions grants them.
BUTTONS = [
    "command_soft_reset_onidle",
    "command_hard_reset_immediate",
    "command_make_operative",
    "command_make_inoperative",
    "command_trigger_status_notifications",
    "command_fetch_configuration",
    "stop_active_transactions",
    "unlock_connectors",
]


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def commands_table(chargepoint: ChargePoint) -> str:
    commands = Command.objects.filter(chargepoint=chargepoint).select_related("requested_by")
    rows = format_html_join(
        "",
        '<tr data-command="{}"><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
        "<td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
        (
            (
                command.pk,
                reverse("admin:chargepoints_command_change", args=[command.pk]),
                _when(command.created_at),
                command.get_name_display(),
                command.requested_by or command.get_source_display(),
                command.get_status_display(),
                _when(command.answered_at),
                # What the charger answered, or why there was no answer.
                json.dumps(command_redacted(command=command, payload=command.response))
                if command.response is not None
                else " ".join(filter(None, [command.error_code, command.error_description])),
            )
            for command in commands.order_by("-created_at", "-id")[:COMMANDS_LISTED]
        ),
    )
    return format_html(
        '<table id="chargepoint-commands"><thead><tr><th>Sent</th><th>Command</th>'
        "<th>By</th><th>Status</th><th>Answered</th><th>Answer</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        rows or mark_safe('<tr><td colspan="6">No command sent yet.</td></tr>'),
    )


def _active_transaction(chargepoint: ChargePoint) -> Transaction | None:
    return (
        Transaction.objects.filter(
            chargepoint=chargepoint, transaction_status=TransactionStatus.ACTIVE
        )
        .select_related("connector")
        .order_by("-start_transaction_timestamp")
        .first()
    )


def charger_state(*, chargepoint: ChargePoint, user) -> dict:
    """What the page shows that changes while one watches: the live endpoint's answer."""
    tx = _active_transaction(chargepoint)
    transaction = None
    if tx is not None:
        curve = power_curve(transaction=tx)
        transaction = {
            "id": tx.pk,
            "url": reverse("admin:chargepoints_transaction_change", args=[tx.pk]),
            "connector": tx.connector.connectorid if tx.connector else None,
            "started": _when(tx.start_transaction_timestamp),
            "energy_kwh": round(tx.energy_wh / 1000, 3),
            "power_w": tx.last_power_w,
            "soc": tx.last_soc,
            "power_curve": {
                "labels": [timezone.localtime(t).strftime("%H:%M:%S") for t, _ in curve],
                "datasets": [{"label": "Power (W)", "data": [round(w, 1) for _, w in curve]}],
            },
        }
    totals = chargepoint_energy_totals(chargepoint=chargepoint)
    panels = {panel.key: html for panel, html in dashboard.panels_for(PAGE, user, chargepoint)}
    if user.has_perm("chargepoints.view_command"):
        panels["chargepoint-commands"] = commands_table(chargepoint)
    return {
        "chargepoint_id": chargepoint.pk,
        "connected": chargepoint.connected,
        "status": chargepoint.status,
        "error_code": chargepoint.error_code,
        "last_heartbeat": _when(chargepoint.last_heartbeat),
        "connectors": {
            str(c.connectorid): c.connector_status for c in chargepoint.connectors.all()
        },
        "transaction": transaction,
        "energy": {
            "day": totals.day,
            "week": totals.week,
            "month": totals.month,
            "year": totals.year,
        },
        "panels": panels,
    }


class ChargerPageMixin:
    """Adds the charger page's context, its live endpoint and buttons that come back to it."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/live/",
                self.admin_site.admin_view(self.live_view),
                name="chargepoints_chargepoint_live",
            ),
            *super().get_urls(),
        ]

    def live_view(self, request, object_id):
        if not self.has_view_permission(request):
            return JsonResponse({"detail": "You do not have permission to see this."}, status=403)
        chargepoint = ChargePoint.objects.filter(pk=unquote(object_id)).first()
        if chargepoint is None:
            return JsonResponse({"detail": "No such charge point."}, status=404)
        return JsonResponse(charger_state(chargepoint=chargepoint, user=request.user))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        chargepoint = ChargePoint.objects.filter(pk=unquote(object_id)).first()
        if chargepoint is not None and self.has_view_permission(request, chargepoint):
            extra_context = {**self.charger_page(request, chargepoint), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def charger_page(self, request, chargepoint: ChargePoint) -> dict:
        user = request.user
        state = charger_state(chargepoint=chargepoint, user=user)
        scope = urlencode({"chargepoint": chargepoint.pk})
        charts = [
            {
                "name": chart.name,
                "title": chart.title,
                "kind": chart.kind,
                "url": reverse("admin:dashboard_chart", args=[chart.name]) + "?" + scope,
            }
            for chart in dashboard.charts_for(user, front_page=False)
            if chart.name in ("energy_daily", "energy_monthly")
        ]
        actions = self.get_actions(request)
        return {
            "charger": state,
            "charger_connectors": chargepoint.connectors.all(),
            "charger_charts": charts,
            # Rendered once, by charger_state.
            "charger_panels": [
                (panel, state["panels"][panel.key])
                for panel in dashboard.panels.get(PAGE, [])
                if panel.key in state["panels"]
            ],
            "charger_commands": state["panels"].get("chargepoint-commands"),
            "charger_buttons": [(name, actions[name][2]) for name in BUTTONS if name in actions],
            "charger_changelist": reverse("admin:chargepoints_chargepoint_changelist"),
            "charger_live_url": reverse(
                "admin:chargepoints_chargepoint_live", args=[quote(chargepoint.pk)]
            ),
            "charger_socket": "/ws/admin/live/?chargepoint=" + url_quote(chargepoint.pk, safe=""),
        }

    def response_action(self, request, queryset):
        response = super().response_action(request, queryset)
        # A button of the charger page posts the action with this field: the
        # user goes back to the page, not to the list.
        back = request.POST.get("_charger_page")
        if back is not None and isinstance(response, HttpResponseRedirect):
            return HttpResponseRedirect(
                reverse("admin:chargepoints_chargepoint_change", args=[quote(back)])
            )
        return response

import json
from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from csms.admin_tools import ReportedHistoryAdmin
from csms.dashboard import Panel, dashboard
from ocpp_gateway.models import OCPPMessage


@admin.register(OCPPMessage)
class OCPPMessageAdmin(ReportedHistoryAdmin):
    list_display = ["timestamp", "chargepoint", "direction", "message_type", "action", "message_id"]
    list_filter = ["direction", "message_type", "action"]
    search_fields = ["chargepoint__chargepoint_id", "message_id", "action"]
    date_hierarchy = "timestamp"
    list_select_related = ["chargepoint"]


# The charger page's last OCPP messages (csms/dashboard.py; chargepoints may
# not import the message log, so the gateway registers the panel).
MESSAGES_SHOWN = 50
PAYLOAD_SHOWN = 200


def ocpp_messages_panel(chargepoint) -> str:
    messages = OCPPMessage.objects.filter(chargepoint=chargepoint).order_by("-timestamp", "-id")
    rows = format_html_join(
        "",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
        "<td><code>{}</code></td></tr>",
        (
            (
                reverse("admin:ocpp_gateway_ocppmessage_change", args=[message.pk]),
                timezone.localtime(message.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
                message.get_direction_display(),
                message.get_message_type_display() or "—",
                message.action,
                Truncator(json.dumps(message.payload)).chars(PAYLOAD_SHOWN),
            )
            for message in messages[:MESSAGES_SHOWN]
        ),
    )
    everything = (
        reverse("admin:ocpp_gateway_ocppmessage_changelist")
        + "?"
        + urlencode({"chargepoint": chargepoint.pk})
    )
    return format_html(
        '<table id="ocpp-messages"><thead><tr><th>Time</th><th>Direction</th><th>Type</th>'
        "<th>Action</th><th>Payload</th></tr></thead><tbody>{}</tbody></table>"
        '<p><a href="{}">All messages of this charger</a></p>',
        rows or mark_safe('<tr><td colspan="5">No message yet.</td></tr>'),
        everything,
    )


dashboard.register_panel(
    "chargepoints.chargepoint",
    Panel(
        key="ocpp-messages",
        title=f"Last {MESSAGES_SHOWN} OCPP messages",
        permission="ocpp_gateway.view_ocppmessage",
        render=ocpp_messages_panel,
    ),
)

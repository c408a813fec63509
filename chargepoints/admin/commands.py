"""Commands in the admin: actions on charge points, the current-limit and command forms,
the command history."""

import json
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from chargepoints.commands import CommandInvalid
from chargepoints.commands.smart_charging import CURRENT_LIMIT_MAX_A, CURRENT_LIMIT_MIN_A
from chargepoints.enums import CommandName, CommandSource, CommandStatus, TransactionStatus
from chargepoints.models import ChargePoint, Command
from chargepoints.services.command_secrets import command_params_redacted, command_redacted
from chargepoints.services.commands import command_request, command_supported
from chargepoints.services.passwords import chargepoint_password_rotate
from csms.admin_tools import ReportedHistoryAdmin


def _report(modeladmin, request, command: Command) -> None:
    text = f"{command.chargepoint_id}: {command.get_name_display()}: {command.get_status_display()}"
    if command.error_code or command.error_description:
        text += f" ({' '.join(filter(None, [command.error_code, command.error_description]))})"
    level = messages.SUCCESS if command.status == CommandStatus.ACCEPTED else messages.WARNING
    if command.status in (CommandStatus.PENDING, CommandStatus.SENT):
        level, text = messages.INFO, f"{text}; see the command history for the answer"
    modeladmin.message_user(request, text, level)


def _send(modeladmin, request, chargepoint: ChargePoint, name: str, params: dict, *, wait: float):
    try:
        command = command_request(
            chargepoint_id=chargepoint.pk,
            name=name,
            params=params,
            source=CommandSource.ADMIN,
            requested_by=request.user,
            wait=wait,
        )
    except CommandInvalid as error:
        modeladmin.message_user(request, f"{chargepoint.pk}: {error}", messages.ERROR)
        return None
    _report(modeladmin, request, command)
    return command


def _bulk(name: str, description: str, params=None):
    """An admin action sending one command to each selected charge point."""

    def action(modeladmin, request, queryset):
        # Waiting for every charger in turn would hold the page: wait only for one.
        wait = settings.CSMS_COMMAND_WAIT if queryset.count() == 1 else 0
        for chargepoint in queryset:
            chosen = name(chargepoint) if callable(name) else name
            _send(modeladmin, request, chargepoint, chosen, dict(params or {}), wait=wait)

    action.__name__ = "command_" + re.sub(r"\W+", "_", description.lower()).strip("_")
    action.short_description = description
    action.allowed_permissions = ("command",)
    return action


def _fetch_configuration(chargepoint: ChargePoint) -> str:
    # 1.6 has configuration keys; 2.0.1 reports its device model (NotifyReport).
    if command_supported(chargepoint=chargepoint, name=CommandName.GET_CONFIGURATION):
        return CommandName.GET_CONFIGURATION
    return CommandName.GET_BASE_REPORT


class CurrentLimitForm(forms.Form):
    limit = forms.FloatField(
        help_text=f"Amperes: 0 pauses charging, else {CURRENT_LIMIT_MIN_A} to "
        f"{CURRENT_LIMIT_MAX_A}. Applies to the active transaction."
    )
    connector_id = forms.IntegerField(
        required=False, min_value=1, help_text="Only needed when several connectors charge."
    )


class SendCommandForm(forms.Form):
    # A new password is the password rotation's alone (chargepoints/commands/security.py).
    command = forms.ChoiceField(
        choices=[(v, label) for v, label in CommandName.choices if v != CommandName.SET_PASSWORD]
    )
    params = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text='Parameters as a JSON object, e.g. {"connector_id": 1, "id_tag": "ABC123"}.',
    )

    def clean_params(self):
        text = self.cleaned_data["params"].strip()
        if not text:
            return {}
        try:
            params = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from None
        if not isinstance(params, dict):
            raise forms.ValidationError("Expected a JSON object.")
        return params


class ChargePointCommandsMixin:
    """Actions and pages of ChargePointAdmin that send commands."""

    actions = [
        _bulk(CommandName.RESET, "Soft reset (OnIdle)", {"type": "soft"}),
        _bulk(CommandName.RESET, "Hard reset (Immediate)", {"type": "hard"}),
        _bulk(CommandName.CHANGE_AVAILABILITY, "Make operative", {"type": "Operative"}),
        _bulk(CommandName.CHANGE_AVAILABILITY, "Make inoperative", {"type": "Inoperative"}),
        _bulk(
            CommandName.TRIGGER_MESSAGE,
            "Trigger status notifications",
            {"requested_message": "StatusNotification"},
        ),
        _bulk(_fetch_configuration, "Fetch configuration"),
        "stop_active_transactions",
        "unlock_connectors",
        "rotate_password",
    ]

    def has_command_permission(self, request) -> bool:
        # Acting on a charger is changing it.
        return request.user.has_perm("chargepoints.change_chargepoint")

    def has_rotate_password_permission(self, request) -> bool:
        return request.user.has_perm("chargepoints.rotate_password")

    @admin.action(description="Give a new password", permissions=["rotate_password"])
    def rotate_password(self, request, queryset):
        # The CSMS makes the password and stores it once the charger accepts
        # it; no one sees it (chargepoints.services.passwords).
        wait = settings.CSMS_COMMAND_WAIT if queryset.count() == 1 else 0
        for chargepoint in queryset:
            try:
                command = chargepoint_password_rotate(
                    chargepoint_id=chargepoint.pk,
                    source=CommandSource.ADMIN,
                    requested_by=request.user,
                    wait=wait,
                )
            except CommandInvalid as error:
                self.message_user(request, f"{chargepoint.pk}: {error}", messages.ERROR)
            else:
                _report(self, request, command)

    @admin.action(description="Stop active transactions", permissions=["command"])
    def stop_active_transactions(self, request, queryset):
        wait = settings.CSMS_COMMAND_WAIT if queryset.count() == 1 else 0
        for chargepoint in queryset:
            active = chargepoint.transactions.filter(transaction_status=TransactionStatus.ACTIVE)
            if not active.exists():
                self.message_user(
                    request, f"{chargepoint.pk}: no active transaction", messages.WARNING
                )
            for tx in active:
                _send(
                    self,
                    request,
                    chargepoint,
                    CommandName.REMOTE_STOP,
                    {"transaction_id": tx.pk},
                    wait=wait,
                )

    @admin.action(description="Unlock connectors not in a transaction", permissions=["command"])
    def unlock_connectors(self, request, queryset):
        for chargepoint in queryset:
            busy = chargepoint.transactions.filter(
                transaction_status=TransactionStatus.ACTIVE
            ).values_list("connector", flat=True)
            connectors = chargepoint.connectors.exclude(pk__in=list(busy))
            for connector in connectors:
                _send(
                    self,
                    request,
                    chargepoint,
                    CommandName.UNLOCK_CONNECTOR,
                    {"connector_id": connector.connectorid},
                    wait=0,
                )

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/current-limit/",
                self.admin_site.admin_view(self.current_limit_view),
                name="chargepoints_chargepoint_current_limit",
            ),
            path(
                "<path:object_id>/send-command/",
                self.admin_site.admin_view(self.send_command_view),
                name="chargepoints_chargepoint_send_command",
            ),
        ]
        return extra + super().get_urls()

    @admin.display(description="commands")
    def command_links(self, obj: ChargePoint) -> str:
        if obj is None or not obj.pk or obj._state.adding:
            return "—"
        return format_html(
            '<a class="button" href="{}">Set current limit</a> '
            '<a class="button" href="{}">Send a command</a> '
            '<a href="{}">All commands</a>',
            reverse("admin:chargepoints_chargepoint_current_limit", args=[obj.pk]),
            reverse("admin:chargepoints_chargepoint_send_command", args=[obj.pk]),
            reverse("admin:chargepoints_command_changelist") + f"?chargepoint={obj.pk}",
        )

    def current_limit_view(self, request, object_id):
        return self._command_page(
            request,
            object_id,
            form_class=CurrentLimitForm,
            title="Set current limit",
            command=lambda data: (
                CommandName.SET_CURRENT_LIMIT,
                {key: value for key, value in data.items() if value is not None},
            ),
        )

    def send_command_view(self, request, object_id):
        return self._command_page(
            request,
            object_id,
            form_class=SendCommandForm,
            title="Send a command",
            command=lambda data: (data["command"], data["params"]),
        )

    def _command_page(self, request, object_id, *, form_class, title, command):
        if not self.has_command_permission(request):
            raise PermissionDenied
        chargepoint = get_object_or_404(ChargePoint, pk=object_id)
        change_url = reverse("admin:chargepoints_chargepoint_change", args=[chargepoint.pk])
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            name, params = command(form.cleaned_data)
            try:
                sent = command_request(
                    chargepoint_id=chargepoint.pk,
                    name=name,
                    params=params,
                    source=CommandSource.ADMIN,
                    requested_by=request.user,
                )
            except CommandInvalid as error:
                for field, problems in error.errors.items():
                    target = field if field in form.fields else None
                    for problem in problems:
                        form.add_error(target, f"{field}: {problem}" if target is None else problem)
            else:
                _report(self, request, sent)
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title}: {chargepoint}",
            "form": form,
            "chargepoint": chargepoint,
            "opts": self.model._meta,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/chargepoints/chargepoint/command.html", context)


@admin.register(Command)
class CommandAdmin(ReportedHistoryAdmin):
    list_display = [
        "id",
        "created_at",
        "chargepoint",
        "name",
        "status",
        "requested_by",
        "source",
        "action",
        "error_code",
        "progress",
    ]
    list_filter = ["status", "name", "source", "ocpp_version"]
    search_fields = ["chargepoint__chargepoint_id", "message_id", "action", "error_description"]
    date_hierarchy = "created_at"
    list_select_related = ["chargepoint", "requested_by"]
    # A new password travels in its command: shown masked, even in flight.
    exclude = ["params", "request"]
    readonly_fields = [
        {"params": "shown_params", "request": "shown_request"}.get(field.name, field.name)
        for field in Command._meta.fields
    ]

    @admin.display(description="params")
    def shown_params(self, command: Command) -> str:
        return json.dumps(command_params_redacted(command))

    @admin.display(description="request")
    def shown_request(self, command: Command) -> str:
        return json.dumps(command_redacted(command=command, payload=command.request))

from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.idempotency import IDEMPOTENCY_KEY, idempotent
from chargepoints.api.charging import examples as ex
from chargepoints.api.commands.filters import CommandFilter, FleetCommandFilter
from chargepoints.api.commands.schema import EXAMPLES, CommandBody
from chargepoints.api.commands.serializers import (
    CommandSerializer,
    api_command_name,
    command_name_from_api,
)
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandSource
from chargepoints.models import ChargePoint, Command
from chargepoints.services.commands import command_request
from chargepoints.services.passwords import chargepoint_password_rotate
from csms.api.pagination import CursorPage
from csms.api.permissions import requires
from csms.api.schema import error_response

# The log grows with every command: cursor pages, newest first, by creation.
COMMAND_ORDERING = ["-created_at", "-id"]


class ChargePointCommandList(generics.ListAPIView):
    """The commands sent to one charge point, newest first; POST sends a new one.

    POST ``{"command": "<NAME>", ...parameters}``: 201 with the record when
    the charger answered (or is offline), 202 while its answer is pending;
    the record's ``url`` then tells how it went.
    """

    serializer_class = CommandSerializer
    filterset_class = CommandFilter
    pagination_class = CursorPage
    ordering_fields = ["created_at"]
    ordering = COMMAND_ORDERING

    def get_permissions(self):
        # Reading the log takes its view permission. Sending a command acts on
        # the charger, which is changing it, as in the admin (chargepoints/admin/commands.py).
        if self.request.method in SAFE_METHODS:
            return [requires("chargepoints.view_command")()]
        return [requires("chargepoints.change_chargepoint")()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Command.objects.none()
        chargepoint = get_object_or_404(ChargePoint, pk=self.kwargs["chargepoint_id"])
        return chargepoint.commands.select_related("requested_by", "connector")

    @extend_schema(
        summary="Send a command to the charger",
        description=(
            "Body: `command` (the command's name) and its parameters, e.g. "
            '`{"command": "RESET", "type": "HARD"}`; one schema per command.'
        ),
        operation_id="charge_point_command_send",
        request=CommandBody,
        parameters=[IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample(
                api_command_name(name),
                {"command": api_command_name(name), **body},
                request_only=True,
            )
            for name, body in EXAMPLES.items()
        ]
        + ex.COMMAND_ANSWERS,
        responses={
            201: CommandSerializer,
            202: CommandSerializer,
            400: error_response(400, "Unknown command or invalid parameters."),
            404: error_response(404, "Unknown charge point."),
        },
    )
    @idempotent
    def post(self, request, chargepoint_id: str):
        data = request.data.dict() if isinstance(request.data, QueryDict) else request.data
        if not isinstance(data, dict):
            raise ValidationError(_("Expected a JSON object."), code="not_an_object")
        name = data.get("command")
        if not name or not isinstance(name, str):
            raise ValidationError({"command": [_("This field is required.")]}, code="required")
        chargepoint = get_object_or_404(ChargePoint, pk=chargepoint_id)
        try:
            command = command_request(
                chargepoint_id=chargepoint.pk,
                name=command_name_from_api(name),
                params={key: value for key, value in data.items() if key != "command"},
                source=CommandSource.API,
                requested_by=request.user,
            )
        except CommandInvalid as error:
            raise ValidationError(error.errors) from None
        body = CommandSerializer(command, context={"request": request}).data
        code = status.HTTP_201_CREATED if command.finished else status.HTTP_202_ACCEPTED
        return Response(body, code, headers={"Location": body["url"]})


class ChargePointCommandDetail(generics.RetrieveAPIView):
    serializer_class = CommandSerializer
    permission_classes = [requires("chargepoints.view_command")]

    def get_queryset(self):
        return Command.objects.filter(chargepoint_id=self.kwargs["chargepoint_id"]).select_related(
            "requested_by", "connector"
        )


class ChargePointPasswordRotate(APIView):
    """Give the charger a new password, made by the CSMS (security profiles 1 and 2).

    The charger gets it as a command; it becomes the charger's credential once
    the charger accepts it. No one is shown the password, this answer included.
    """

    permission_classes = [requires("chargepoints.rotate_password")]

    @extend_schema(
        summary="Give the charger a new password",
        description=(
            "Sends the charger a password the CSMS generated (OCPP 1.6 ChangeConfiguration "
            "AuthorizationKey, 2.0.1 SetVariables BasicAuthPassword). Stored as its "
            "credential only once the charger accepted it; otherwise the old one stays. "
            "201 with the command record when the charger answered (or is offline), 202 "
            "while its answer is pending; the password is not in the record."
        ),
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        examples=ex.COMMAND_ANSWERS,
        responses={
            201: CommandSerializer,
            202: CommandSerializer,
            404: error_response(404, "Unknown charge point."),
        },
    )
    @idempotent
    def post(self, request, chargepoint_id: str):
        chargepoint = get_object_or_404(ChargePoint, pk=chargepoint_id)
        try:
            command = chargepoint_password_rotate(
                chargepoint_id=chargepoint.pk, source=CommandSource.API, requested_by=request.user
            )
        except CommandInvalid as error:
            raise ValidationError(error.errors) from None
        body = CommandSerializer(command, context={"request": request}).data
        code = status.HTTP_201_CREATED if command.finished else status.HTTP_202_ACCEPTED
        return Response(body, code, headers={"Location": body["url"]})


class CommandList(generics.ListAPIView):
    """Every charger's commands, newest first: what was sent, by whom, and how it went.

    For operators and integrations that watch the fleet; ``updated_after``
    follows every change (sent, answered, timed out) in the order it happened.
    """

    serializer_class = CommandSerializer
    permission_classes = [requires("chargepoints.view_command")]
    filterset_class = FleetCommandFilter
    pagination_class = CursorPage
    ordering_fields = ["created_at"]
    ordering = COMMAND_ORDERING
    queryset = Command.objects.select_related("requested_by", "connector", "chargepoint")

    @extend_schema(summary="Commands sent to every charger (operators)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CommandDetail(generics.RetrieveAPIView):
    serializer_class = CommandSerializer
    permission_classes = [requires("chargepoints.view_command")]
    queryset = Command.objects.select_related("requested_by", "connector", "chargepoint")

    @extend_schema(summary="One command, whichever charger it went to (operators)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

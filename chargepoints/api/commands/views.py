from django.http import QueryDict
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from chargepoints.api.commands.serializers import CommandSerializer
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandSource
from chargepoints.models import ChargePoint, Command
from chargepoints.services.commands import command_request
from chargepoints.services.passwords import chargepoint_password_rotate
from csms.api.permissions import requires
from csms.api.schema import error_response


class ChargePointCommandList(generics.ListAPIView):
    """The commands sent to one charge point, newest first; POST sends a new one.

    POST ``{"command": "<name>", ...parameters}``: 201 with the record when
    the charger answered (or is offline), 202 while its answer is pending;
    the record's ``url`` then tells how it went.
    """

    serializer_class = CommandSerializer

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
            "Body: `command` (a command name) and its parameters, e.g. "
            '`{"command": "reset", "type": "hard"}`.'
        ),
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={
            201: CommandSerializer,
            202: CommandSerializer,
            400: error_response(400, "Unknown command or invalid parameters."),
            404: error_response(404, "Unknown charge point."),
        },
    )
    def post(self, request, chargepoint_id: str):
        data = request.data.dict() if isinstance(request.data, QueryDict) else request.data
        if not isinstance(data, dict):
            return Response(
                {"non_field_errors": ["Expected a JSON object."]}, status.HTTP_400_BAD_REQUEST
            )
        name = data.get("command")
        if not name or not isinstance(name, str):
            return Response({"command": ["This field is required."]}, status.HTTP_400_BAD_REQUEST)
        chargepoint = get_object_or_404(ChargePoint, pk=chargepoint_id)
        try:
            command = command_request(
                chargepoint_id=chargepoint.pk,
                name=name,
                params={key: value for key, value in data.items() if key != "command"},
                source=CommandSource.API,
                requested_by=request.user,
            )
        except CommandInvalid as error:
            return Response(error.errors, status.HTTP_400_BAD_REQUEST)
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
        responses={
            201: CommandSerializer,
            202: CommandSerializer,
            404: error_response(404, "Unknown charge point."),
        },
    )
    def post(self, request, chargepoint_id: str):
        chargepoint = get_object_or_404(ChargePoint, pk=chargepoint_id)
        try:
            command = chargepoint_password_rotate(
                chargepoint_id=chargepoint.pk, source=CommandSource.API, requested_by=request.user
            )
        except CommandInvalid as error:
            return Response(error.errors, status.HTTP_400_BAD_REQUEST)
        body = CommandSerializer(command, context={"request": request}).data
        code = status.HTTP_201_CREATED if command.finished else status.HTTP_202_ACCEPTED
        return Response(body, code, headers={"Location": body["url"]})

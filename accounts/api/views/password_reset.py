"""A forgotten password: a code by SMS, then a new password with it (issue 18, finding 9)."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import examples as ex
from accounts.api import serializers as s
from accounts.api.schema import responses
from accounts.api.throttling import (
    AddressRateThrottle,
    AnonRateThrottle,
    PasswordResetCodeThrottle,
    PhoneNumberRateThrottle,
)
from accounts.services import auth_token_issue
from accounts.services.password_reset import (
    PasswordResetCodeInvalid,
    PasswordResetUnavailable,
    password_reset_confirm,
    password_reset_request,
)
from csms.api.examples import PHONE, asked
from csms.api.problems import Problem
from csms.api.schema import error_response

UNAVAILABLE = error_response(503, "The site sends no text messages (CSMS_SMS_SENDER is not set).")


class PasswordResetThrottled:
    """Anonymous; "login" attempts per client address and per phone number, as logging in."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, AddressRateThrottle, PhoneNumberRateThrottle]
    throttle_scope = "login"


def _unavailable() -> Problem:
    return Problem(
        _("Passwords cannot be reset by text message on this site. Ask the operator."),
        code="password_reset_unavailable",
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


class PasswordResetView(PasswordResetThrottled, APIView):
    """Ask for a code by SMS. The answer is the same whether or not the number has an account."""

    # At most CSMS_THROTTLE_PASSWORD_RESET codes per number, whoever asks.
    throttle_classes = [*PasswordResetThrottled.throttle_classes, PasswordResetCodeThrottle]

    @extend_schema(
        summary="Forgot the password: send a one-time code to the account's phone",
        description="Always 202 with the same body, whether or not the number has an active "
        "account (blocked and expired accounts get no code). A new code makes the older ones "
        "invalid. The text is written in the request's Accept-Language.",
        request=s.PasswordResetRequestSerializer,
        examples=[asked("The account's number", {"phone_number": PHONE})],
        responses=responses(
            {
                202: OpenApiResponse(
                    s.PasswordResetRequestedSerializer,
                    examples=[
                        OpenApiExample(
                            "Requested",
                            {
                                "detail": "If an account has this number, a code is on its way.",
                                "code_length": 6,
                                "expires_in": 600,
                            },
                        )
                    ],
                ),
                503: UNAVAILABLE,
            },
            400,
            429,
        ),
        auth=[],
    )
    def post(self, request):
        data = s.PasswordResetRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            password_reset_request(
                phone_number=data.validated_data["phone_number"].as_e164,
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        except PasswordResetUnavailable:
            raise _unavailable() from None
        answer = {
            "detail": _("If an account has this number, a code is on its way."),
            "code_length": settings.CSMS_PASSWORD_RESET_CODE_LENGTH,
            "expires_in": settings.CSMS_PASSWORD_RESET_CODE_TTL,
        }
        return Response(
            s.PasswordResetRequestedSerializer(answer).data, status=status.HTTP_202_ACCEPTED
        )


class PasswordResetConfirmView(PasswordResetThrottled, APIView):
    """Set a new password with the code; every device is logged out, this one logged in."""

    @extend_schema(
        summary="Set a new password with the code from the text message",
        description="Logs the account out on every device (a reset means the old password "
        "got out or was lost) and answers a token for this one, as logging in does. A code "
        "works once, for CSMS_PASSWORD_RESET_CODE_TTL seconds, and dies after "
        "CSMS_PASSWORD_RESET_MAX_ATTEMPTS wrong tries; every refused code is the same "
        "400 field error on `code`. A password the validators refuse is a 400 on "
        "`new_password` and leaves the code usable.",
        request=s.PasswordResetConfirmSerializer,
        examples=ex.PASSWORD_RESET_CONFIRM,
        responses=responses({200: s.AuthTokenResponseSerializer}, 400, 429),
        auth=[],
    )
    def post(self, request):
        data = s.PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = password_reset_confirm(
                phone_number=data.validated_data["phone_number"].as_e164,
                code=data.validated_data["code"],
                new_password=data.validated_data["new_password"],
            )
        except PasswordResetCodeInvalid:
            message = _("The code is wrong, has expired or has been used. Ask for a new one.")
            raise ValidationError({"code": [ErrorDetail(message, code="invalid")]}) from None
        record, token = auth_token_issue(user=user)
        return Response(
            s.AuthTokenResponseSerializer(
                {"token": token, "expiry": record.expiry, "user": user}
            ).data
        )

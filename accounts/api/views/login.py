"""Logging in, signing up and logging out."""

from django.contrib.auth import logout
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import examples as ex
from accounts.api import serializers as s
from accounts.api.schema import AUTH, NO_CONTENT, responses
from accounts.api.throttling import AddressRateThrottle, AnonRateThrottle
from accounts.models import User
from accounts.services import (
    AccountUnavailable,
    auth_token_issue,
    auth_token_revoke,
    user_authenticate,
    user_register,
    user_tokens_revoke,
)


def _logged_in(user: User) -> dict:
    """The answer of a login: a new token for this device, its expiry, the account."""
    record, token = auth_token_issue(user=user)
    return s.AuthTokenResponseSerializer(
        {"token": token, "expiry": record.expiry, "user": user}
    ).data


class LoginThrottled:
    """Anonymous, per client address; "login" is the slower rate for passwords."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, AddressRateThrottle]
    throttle_scope = "login"


class LoginView(LoginThrottled, APIView):
    """Exchange a phone number (or username) and password for an API token of this device."""

    @extend_schema(
        summary="Log in with a phone number or a username",
        request=s.LoginSerializer,
        examples=ex.LOGIN,
        responses=responses({200: s.AuthTokenResponseSerializer}, 400, 403, 429),
        auth=[],
    )
    def post(self, request):
        data = s.LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            # Django's request, not DRF's: django-axes marks a lock-out on it.
            user = user_authenticate(request=request._request, **data.validated_data)
        except AccountUnavailable as exc:
            raise PermissionDenied(exc.message, code=exc.code) from None
        if user is None:
            raise ValidationError(
                _("Unable to log in with the provided credentials."), code="authorization"
            )
        return Response(_logged_in(user))


class RegisterView(LoginThrottled, APIView):
    """A new driver account; the answer carries a token, as after logging in."""

    @extend_schema(
        summary="Sign up as a driver",
        request=s.RegisterSerializer,
        examples=ex.REGISTER,
        responses=responses({201: s.AuthTokenResponseSerializer}, 400, 429),
        auth=[],
    )
    def post(self, request):
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(_logged_in(user), status=status.HTTP_201_CREATED)


class LogoutView(APIView):
    """End the caller's login on this device."""

    @extend_schema(
        summary="Log out: revoke the token of this request (other devices stay logged in) "
        "and end a session",
        request=None,
        responses=responses(NO_CONTENT, *AUTH),
    )
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            auth_token_revoke(token=request.auth)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereView(APIView):
    """End every login of the caller: a lost phone, a password that got out."""

    @extend_schema(
        summary="Log out everywhere: revoke every token of the caller and end this session",
        request=None,
        responses=responses(NO_CONTENT, *AUTH),
    )
    def post(self, request):
        user_tokens_revoke(user=request.user)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)

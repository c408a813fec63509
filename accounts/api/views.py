"""The accounts API: logging in, the caller's own data, and operators' view of users.

Each view validates its input, calls one service and shapes the answer.
"""

import django_filters
from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api import serializers as s
from accounts.enums import IdTokenType, NotificationType, UserStatus, VehicleType
from accounts.models import IdTag, User, UserVehicle
from accounts.services import (
    AccountUnavailable,
    auth_token_issue,
    auth_token_revoke,
    idtag_register,
    idtags_set_revoked,
    notification_create,
    notifications_mark_read,
    notifications_visible,
    profile_clear_payment_card,
    profile_ensure,
    profile_set_payment_card,
    profile_update,
    user_authenticate,
    user_register,
    user_set_status,
    user_update,
    vehicle_create,
    vehicle_update,
)
from chargepoints.selectors import user_energy_totals
from csms.api.filters import BooleanFilter, IdFilter
from csms.api.permissions import IsOperator, OwnedOrOperator

# Error bodies, described once. Plain schemas rather than serializers, so they
# are inlined and cannot clash with another app's component of the same name.
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": 'Messages per field, e.g. {"phone_number": ["Enter a valid phone number."]}; '
    '"non_field_errors" for the request as a whole, "detail" for a body that is no JSON.',
}
_ERRORS = {
    400: OpenApiResponse(_FIELD_ERRORS, description="Invalid input."),
    401: OpenApiResponse(_DETAIL, description="Not logged in, or the account is not active."),
    403: OpenApiResponse(_DETAIL, description="Not allowed."),
    404: OpenApiResponse(_DETAIL, description="Not found, or not yours (or no such page)."),
    429: OpenApiResponse(_DETAIL, description="Too many attempts; see Retry-After."),
}


def responses(ok: dict, *codes: int) -> dict:
    """The success responses plus the listed error responses."""
    return {**ok, **{code: _ERRORS[code] for code in codes}}


# Calls of any logged-in user: no token (401), CSRF refused on a session (403).
AUTH = (401, 403)
LIST = (400, *AUTH, 404)  # bad filter values; a page past the end
NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}

# Row ids. The routes take any segment so that a malformed id reaches the view
# and is answered with a JSON 404, not the URL resolver's HTML page.
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
ANY_SEGMENT = "[^/]+"


def _energy(user: User) -> dict:
    totals = user_energy_totals(user=user)
    # The selector counts in the profile's time zone, or the server's without one.
    profile = getattr(user, "profile", None)
    return {
        "day": totals.day,
        "week": totals.week,
        "month": totals.month,
        "year": totals.year,
        "timezone": str(profile.timezone) if profile else settings.TIME_ZONE,
    }


# Logging in -------------------------------------------------------------------


class LoginThrottled:
    """Anonymous, per client address; "login" is the slower rate for passwords."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "login"


class LoginView(LoginThrottled, APIView):
    """Exchange a phone number (or username) and password for an API token."""

    @extend_schema(
        summary="Log in with a phone number or a username",
        request=s.LoginSerializer,
        responses=responses({200: s.AuthTokenResponseSerializer}, 400, 403, 429),
        auth=[],
    )
    def post(self, request):
        data = s.LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = user_authenticate(request=request, **data.validated_data)
        except AccountUnavailable as exc:
            raise PermissionDenied(exc.message) from None
        if user is None:
            raise ValidationError(
                {"non_field_errors": ["Unable to log in with the provided credentials."]}
            )
        token = auth_token_issue(user=user)
        return Response({"token": token.key, "user": s.UserSerializer(user).data})


class RegisterView(LoginThrottled, APIView):
    """A new driver account; the answer carries a token, as after logging in."""

    @extend_schema(
        summary="Sign up as a driver",
        request=s.RegisterSerializer,
        responses=responses({201: s.AuthTokenResponseSerializer}, 400, 429),
        auth=[],
    )
    def post(self, request):
        data = s.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        token = auth_token_issue(user=user)
        body = {"token": token.key, "user": s.UserSerializer(user).data}
        return Response(body, status=status.HTTP_201_CREATED)


class LogoutView(APIView):
    """End the caller's login."""

    @extend_schema(
        summary="Log out: revoke the token (on every device) and end a session",
        request=None,
        responses=responses(NO_CONTENT, *AUTH),
    )
    def post(self, request):
        auth_token_revoke(user=request.user)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# The caller's own data --------------------------------------------------------


@extend_schema_view(
    get=extend_schema(summary="Your account", responses=responses({200: s.UserSerializer}, *AUTH)),
    patch=extend_schema(
        summary="Change your name, username or email",
        request=s.MeUpdateSerializer,
        responses=responses({200: s.UserSerializer}, 400, *AUTH),
    ),
)
class MeView(RetrieveUpdateAPIView):
    """The caller's own account; the phone number and status are changed elsewhere."""

    http_method_names = ["get", "patch", "head", "options"]

    def get_serializer_class(self):
        return s.MeUpdateSerializer if self.request.method == "PATCH" else s.UserSerializer

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        serializer.instance = user_update(user=serializer.instance, data=serializer.validated_data)


@extend_schema_view(
    get=extend_schema(
        summary="Your preferences and stored card (masked)",
        responses=responses({200: s.ProfileSerializer}, *AUTH),
    ),
    patch=extend_schema(
        summary="Change your preferences; upload a picture as multipart/form-data",
        responses=responses({200: s.ProfileSerializer}, 400, *AUTH),
    ),
)
class ProfileView(RetrieveUpdateAPIView):
    """The caller's preferences (seed 000 Profile); the card is shown masked only."""

    serializer_class = s.ProfileSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return profile_ensure(user=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = profile_update(
            profile=serializer.instance, data=serializer.validated_data
        )


class PaymentCardView(APIView):
    """The caller's payment card: validated in full, stored as brand, last four digits, expiry."""

    # The service names its errors after the model's fields; the API after its own.
    ERROR_FIELDS = {"cc_number": "number", "cc_expirydate": "expiry"}

    @extend_schema(
        summary="Store a payment card: only its brand, last four digits and expiry are kept",
        request=s.PaymentCardInputSerializer,
        responses=responses({200: s.PaymentCardSerializer}, 400, *AUTH),
    )
    def put(self, request):
        data = s.PaymentCardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = profile_ensure(user=request.user)
        try:
            profile = profile_set_payment_card(profile=profile, **data.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(
                {self.ERROR_FIELDS.get(field, field): errors for field, errors in exc}
            ) from None
        return Response(s.PaymentCardSerializer(profile).data)

    @extend_schema(summary="Forget the payment card", responses=responses(NO_CONTENT, *AUTH))
    def delete(self, request):
        profile_clear_payment_card(profile=profile_ensure(user=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyEnergyView(APIView):
    """The caller's charged energy, periods in their profile's time zone."""

    @extend_schema(
        summary="Energy you charged today, this week, month and year",
        responses=responses({200: s.EnergySerializer}, *AUTH),
    )
    def get(self, request):
        return Response(_energy(request.user))


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
# Vehicles ---------------------------------------------------------------------


class VehicleFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=VehicleType.choices)
    make = django_filters.CharFilter(lookup_expr="iexact", max_length=50)
    user = IdFilter(field_name="user_id", help_text="Operators: one user's.")

    class Meta:
        model = UserVehicle
        fields = ["type", "make", "user"]


@extend_schema_view(
    list=extend_schema(
        summary="Your vehicles (operators: everyone's)",
        responses=responses({200: s.VehicleSerializer(many=True)}, *LIST),
    ),
    retrieve=extend_schema(
        parameters=[ID], responses=responses({200: s.VehicleSerializer}, *AUTH, 404)
    ),
    create=extend_schema(responses=responses({201: s.VehicleSerializer}, 400, *AUTH)),
    update=extend_schema(
        parameters=[ID], responses=responses({200: s.VehicleSerializer}, 400, *AUTH, 404)
    ),
    partial_update=extend_schema(
        parameters=[ID], responses=responses({200: s.VehicleSerializer}, 400, *AUTH, 404)
    ),
    destroy=extend_schema(parameters=[ID], responses=responses(NO_CONTENT, *AUTH, 404)),
)
class VehicleViewSet(OwnedOrOperator, viewsets.ModelViewSet):
    """Drivers' cars (seed 003 UserVehicle): your own; operators see and manage all."""

    queryset = UserVehicle.objects.all()
    serializer_class = s.VehicleSerializer
    filterset_class = VehicleFilter
    ordering_fields = ["license_plate", "created_at"]
    ordering = ["license_plate"]
    lookup_value_regex = ANY_SEGMENT

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = data.pop("user", self.request.user)
        serializer.instance = vehicle_create(user=user, **data)

    def perform_update(self, serializer):
        serializer.instance = vehicle_update(
            vehicle=serializer.instance, data=serializer.validated_data
        )


# Id tags ----------------------------------------------------------------------


class IdTagFilter(django_filters.FilterSet):
    revoked = BooleanFilter()
    token_type = django_filters.ChoiceFilter(choices=IdTokenType.choices)
    user = IdFilter(field_name="user_id", help_text="Operators: one user's.")

    class Meta:
        model = IdTag
        fields = ["revoked", "token_type", "user"]


TAG = s.IdTagSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Your id tags (operators: every tag)",
        responses=responses({200: TAG(many=True)}, *LIST),
    ),
    retrieve=extend_schema(responses=responses({200: TAG}, *AUTH, 404)),
    create=extend_schema(
        summary="Add a tag (RFID card, key fob) to your account",
        description="A tag nobody owns yet is claimed (200); a new one is created (201). "
        "The tag value is matched regardless of letter case.",
        request=s.IdTagCreateSerializer,
        responses=responses({200: TAG, 201: TAG}, 400, *AUTH),
    ),
    block=extend_schema(
        summary="Block a tag, e.g. a lost card: chargers refuse it from now on",
        request=None,
        responses=responses({200: TAG}, *AUTH, 404),
    ),
    unblock=extend_schema(
        summary="Reinstate a blocked tag (operators only)",
        request=None,
        responses=responses({200: TAG}, *AUTH, 404),
    ),
)
class IdTagViewSet(
    OwnedOrOperator, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Tags that start charging (RFID cards, key fobs, app tokens), addressed by their value."""

    serializer_class = TAG
    filterset_class = IdTagFilter
    # Exposed as id_token; the alias lets ?ordering= use the API's name.
    queryset = IdTag.objects.select_related("user", "parent_id_tag").annotate(id_token=F("idToken"))
    ordering_fields = ["id_token", "created_at", "expiry_date"]
    ordering = ["id_token"]
    lookup_field = "idToken"
    lookup_url_kwarg = "id_token"
    # Tag values may hold dots and other punctuation; only a slash is refused.
    lookup_value_regex = ANY_SEGMENT

    def get_permissions(self):
        if self.action == "unblock":
            # A driver must not undo an operator's block of their card.
            return [IsOperator()]
        return super().get_permissions()

    def get_object(self):
        # Chargers and people write a tag in either letter case; it is one tag.
        self.lookup_field = "idToken__iexact"
        try:
            return super().get_object()
        finally:
            self.lookup_field = "idToken"

    def create(self, request):
        data = s.IdTagCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        user = fields.pop("user", request.user)
        tag, created = idtag_register(user=user, **fields)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(tag).data, status=code)

    @action(detail=True, methods=["post"])
    def block(self, request, id_token: str):
        return self._set_revoked(revoked=True)

    @action(detail=True, methods=["post"])
    def unblock(self, request, id_token: str):
        return self._set_revoked(revoked=False)

    def _set_revoked(self, *, revoked: bool) -> Response:
        tag = self.get_object()
        idtags_set_revoked(id_tags=IdTag.objects.filter(pk=tag.pk), revoked=revoked)
        tag.refresh_from_db()
        return Response(self.get_serializer(tag).data)


# Notifications ----------------------------------------------------------------


class NotificationFilter(django_filters.FilterSet):
    read = BooleanFilter(help_text="Read by you.")
    type = django_filters.ChoiceFilter(choices=NotificationType.choices)


NOTE = s.NotificationSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications and those to everyone, newest first",
        responses=responses({200: NOTE(many=True)}, *LIST),
    ),
    retrieve=extend_schema(parameters=[ID], responses=responses({200: NOTE}, *AUTH, 404)),
    create=extend_schema(
        summary="Send a notification to a driver or to everyone (operators only)",
        responses=responses({201: NOTE}, 400, *AUTH),
    ),
    read=extend_schema(
        summary="Mark a notification read",
        parameters=[ID],
        request=None,
        responses=responses({200: NOTE}, *AUTH, 404),
    ),
    read_all=extend_schema(
        summary="Mark all your notifications read",
        request=None,
        responses=responses({200: s.MarkedSerializer}, *AUTH),
    ),
)
class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Messages to the caller and to everyone (seed 003 Notification), read per user."""

    serializer_class = NOTE
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    lookup_value_regex = ANY_SEGMENT

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return NOTE.Meta.model.objects.none()
        return notifications_visible(user=self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [IsOperator()]
        return super().get_permissions()

    def create(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        notification = notification_create(**data.validated_data)
        notification.read = False  # just sent: nobody has read it yet
        return Response(NOTE(notification).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def read(self, request, pk: str):
        notification = self.get_object()
        queryset = self.get_queryset()
        notifications_mark_read(
            user=request.user, notifications=queryset.filter(pk=notification.pk)
        )
        return Response(NOTE(queryset.get(pk=notification.pk)).data)

    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = notifications_mark_read(user=request.user, notifications=self.get_queryset())
        return Response({"marked": marked})


# Operators' view of users -----------------------------------------------------


class UserFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=UserStatus.choices)
    is_staff = BooleanFilter()
    q = django_filters.CharFilter(
        method="search", max_length=100, help_text="Part of the phone number, username or name."
    )

    class Meta:
        model = User
        fields = ["status", "is_staff"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value)
            | Q(phone_number__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
        )


USER = s.UserSerializer


@extend_schema_view(
    list=extend_schema(summary="Users", responses=responses({200: USER(many=True)}, *LIST)),
    retrieve=extend_schema(parameters=[ID], responses=responses({200: USER}, *AUTH, 404)),
    partial_update=extend_schema(
        summary="Block, expire or reinstate a user",
        parameters=[ID],
        request=s.UserStatusSerializer,
        description="A blocked or expired user's token stops working at once.",
        responses=responses({200: USER}, 400, *AUTH, 404),
    ),
    energy=extend_schema(
        summary="Energy the user charged today, this week, month and year",
        parameters=[ID],
        responses=responses({200: s.EnergySerializer}, *AUTH, 404),
    ),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Every account, for operators: find users, block or reinstate them."""

    queryset = User.objects.all()
    serializer_class = USER
    permission_classes = [IsOperator]
    filterset_class = UserFilter
    ordering_fields = ["username", "date_joined", "last_login"]
    ordering = ["username"]
    lookup_value_regex = ANY_SEGMENT
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request, pk: str):
        user = self.get_object()
        data = s.UserStatusSerializer(user, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "status" in data.validated_data:
            user = user_set_status(user=user, status=data.validated_data["status"], by=request.user)
        return Response(USER(user, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["get"])
    def energy(self, request, pk: str):
        return Response(_energy(self.get_object()))

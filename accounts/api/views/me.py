"""The caller's own data: account, profile and payment card."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import examples as ex
from accounts.api import serializers as s
from accounts.api.schema import AUTH, NO_CONTENT, responses
from accounts.services import (
    profile_clear_payment_card,
    profile_ensure,
    profile_set_payment_card,
    profile_update,
    user_update,
)
from csms.api.parsers import JSONParser, MultiPartParser


@extend_schema_view(
    get=extend_schema(
        summary="Your account",
        responses=responses({200: s.UserSerializer}, *AUTH),
        examples=ex.USER,
    ),
    patch=extend_schema(
        summary="Change your name, username or email",
        request=s.MeUpdateSerializer,
        examples=ex.ME_UPDATE,
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
        examples=ex.PROFILE,
        responses=responses({200: s.ProfileSerializer}, *AUTH),
    ),
    patch=extend_schema(
        summary="Change your preferences; upload a picture as multipart/form-data",
        examples=ex.PROFILE,
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
        examples=ex.PAYMENT_CARD,
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

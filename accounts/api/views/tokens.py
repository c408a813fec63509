"""The devices the caller is logged in on: their tokens, listed and revoked one by one."""

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from knox.models import AuthToken
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts.api import examples as ex
from accounts.api import serializers as s
from accounts.api.schema import ANY_SEGMENT, AUTH, LIST, NO_CONTENT, responses
from accounts.services import auth_token_revoke

TOKEN_KEY = OpenApiParameter(
    "token_key",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The token's first characters, as the list shows them.",
)


@extend_schema_view(
    list=extend_schema(
        summary="The devices you are logged in on, most recently logged in first",
        responses=responses({200: s.TokenSerializer(many=True)}, *LIST),
        examples=ex.TOKEN,
    ),
    destroy=extend_schema(
        summary="Log out one of your devices",
        parameters=[TOKEN_KEY],
        responses=responses(NO_CONTENT, *AUTH, 404),
    ),
)
class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own tokens only: another user's token is a 404, as if it did not exist."""

    serializer_class = s.TokenSerializer
    lookup_field = "token_key"
    lookup_value_regex = ANY_SEGMENT
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return AuthToken.objects.none()
        # Expired tokens log nobody in; they are deleted at the owner's next login.
        live = Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())
        return AuthToken.objects.filter(live, user=self.request.user).order_by("-created")

    def destroy(self, request, token_key: str):
        auth_token_revoke(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

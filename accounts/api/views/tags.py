"""Id tags: RFID cards, key fobs and app tokens that start charging."""

import django_filters
from django.db.models import F
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import examples as ex
from accounts.api import serializers as s
from accounts.api.schema import ANY_SEGMENT, AUTH, LIST, responses
from accounts.enums import IdTokenType
from accounts.models import IdTag
from accounts.services import idtag_register, idtags_set_revoked
from csms.api.filters import BooleanFilter, IdFilter, UpdatedAfterFilter
from csms.api.permissions import OwnedOrPermitted, holds, requires


class IdTagFilter(django_filters.FilterSet):
    revoked = BooleanFilter()
    token_type = django_filters.ChoiceFilter(choices=IdTokenType.choices)
    user = IdFilter(field_name="user_id", help_text="Operators: one user's.")
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = IdTag
        fields = ["revoked", "token_type", "user", "updated_after"]


TAG = s.IdTagSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Your id tags (operators: every tag)",
        responses=responses({200: TAG(many=True)}, *LIST),
        examples=ex.ID_TAG_ANSWER,
    ),
    retrieve=extend_schema(responses=responses({200: TAG}, *AUTH, 404), examples=ex.ID_TAG_ANSWER),
    create=extend_schema(
        summary="Add a tag (RFID card, key fob) to your account",
        description="A tag nobody owns yet is claimed (200); a new one is created (201). "
        "The tag value is matched regardless of letter case.",
        request=s.IdTagCreateSerializer,
        examples=ex.ID_TAG_CREATE,
        responses=responses({200: TAG, 201: TAG}, 400, *AUTH),
    ),
    block=extend_schema(
        summary="Block a tag, e.g. a lost card: chargers refuse it from now on",
        examples=ex.ID_TAG_BLOCKED,
        request=None,
        responses=responses({200: TAG}, *AUTH, 404),
    ),
    unblock=extend_schema(
        summary="Reinstate a blocked tag (operators only)",
        examples=ex.ID_TAG_ANSWER,
        request=None,
        responses=responses({200: TAG}, *AUTH, 404),
    ),
)
class IdTagViewSet(
    OwnedOrPermitted, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
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
            return [requires("accounts.change_idtag")()]
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
        tag, created = idtag_register(
            user=user,
            may_change_expiry=holds(request.user, "accounts.change_idtag"),
            **fields,
        )
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

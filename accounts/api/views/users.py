"""Operators' view of users: find them, block, expire or reinstate them.

Reading takes accounts.view_user (phone numbers are personal data), changing
a status accounts.change_user; a superuser's status only a superuser changes.
"""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from accounts.api import examples as ex
from accounts.api import serializers as s
from accounts.api.schema import ANY_SEGMENT, AUTH, ID, LIST, responses
from accounts.enums import UserStatus
from accounts.models import User
from accounts.services import user_may_manage, user_set_status
from accounts.services.users import MANAGE_REFUSED
from csms.api.filters import BooleanFilter, UpdatedAfterFilter
from csms.api.permissions import ModelRights


class UserFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=UserStatus.choices)
    is_staff = BooleanFilter()
    q = django_filters.CharFilter(
        method="search", max_length=100, help_text="Part of the phone number, username or name."
    )
    updated_after = UpdatedAfterFilter()

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
    list=extend_schema(
        summary="Users", responses=responses({200: USER(many=True)}, *LIST), examples=ex.USER
    ),
    retrieve=extend_schema(
        parameters=[ID], responses=responses({200: USER}, *AUTH, 404), examples=ex.USER
    ),
    partial_update=extend_schema(
        summary="Block, expire or reinstate a user",
        parameters=[ID],
        request=s.UserStatusSerializer,
        examples=ex.USER_UPDATE,
        description="Blocking or expiring a user revokes all their tokens at once; "
        "reinstating them brings none back.",
        responses=responses({200: USER}, 400, *AUTH, 404),
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
    permission_classes = [ModelRights]
    filterset_class = UserFilter
    ordering_fields = ["username", "date_joined", "last_login"]
    ordering = ["username"]
    lookup_value_regex = ANY_SEGMENT
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request, pk: str):
        user = self.get_object()
        if not user_may_manage(actor=request.user, user=user):
            # Else whoever may change users could lock out the account that grants rights.
            self.permission_denied(request, message=MANAGE_REFUSED)
        data = s.UserStatusSerializer(user, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "status" in data.validated_data:
            user = user_set_status(user=user, status=data.validated_data["status"], by=request.user)
        return Response(USER(user, context=self.get_serializer_context()).data)

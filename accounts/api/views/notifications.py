"""Notifications to drivers and to everyone."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import examples as ex
from accounts.api import serializers as s
from accounts.api.schema import ANY_SEGMENT, AUTH, ID, LIST, responses
from accounts.enums import NotificationType
from accounts.services import notification_create, notifications_mark_read, notifications_visible
from csms.api.filters import BooleanFilter
from csms.api.pagination import CursorPage
from csms.api.permissions import requires


class NotificationFilter(django_filters.FilterSet):
    read = BooleanFilter(help_text="Read by you.")
    type = django_filters.ChoiceFilter(choices=NotificationType.choices)


NOTE = s.NotificationSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications and those to everyone, newest first",
        responses=responses({200: NOTE(many=True)}, *LIST),
        examples=ex.NOTIFICATION,
    ),
    retrieve=extend_schema(
        parameters=[ID], responses=responses({200: NOTE}, *AUTH, 404), examples=ex.NOTIFICATION
    ),
    create=extend_schema(
        summary="Send a notification to a driver or to everyone (operators only)",
        operation_id="notification_send",
        examples=ex.NOTIFICATION_CREATE,
        responses=responses({201: NOTE}, 400, *AUTH),
    ),
    read=extend_schema(
        summary="Mark a notification read",
        examples=ex.NOTIFICATION_READ,
        parameters=[ID],
        request=None,
        responses=responses({200: NOTE}, *AUTH, 404),
    ),
    read_all=extend_schema(
        summary="Mark all your notifications read",
        examples=ex.MARKED,
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
    # An inbox grows: cursor pages, newest first.
    pagination_class = CursorPage
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]
    lookup_value_regex = ANY_SEGMENT

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return NOTE.Meta.model.objects.none()
        return notifications_visible(user=self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [requires("accounts.add_notification")()]
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

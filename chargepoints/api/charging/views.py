"""Transactions, charging sessions and reservations: the driver's side of charging."""

import django_filters
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from chargepoints.api.charging.selectors import charging_sessions_current, reservations_current
from chargepoints.api.charging.serializers import (
    CommandSentSerializer,
    RefusalSerializer,
    ReservationCreateSerializer,
    ReservationSerializer,
    SampledValueSerializer,
    SessionSerializer,
    SessionStartSerializer,
    TransactionSerializer,
)
from chargepoints.enums import CommandStatus, ReservationStatus, SessionStatus, TransactionStatus
from chargepoints.models import (
    ChargePoint,
    ChargingSession,
    Reservation,
    SampledValue,
    Transaction,
)
from chargepoints.services.driving import (
    AccountNotAllowed,
    ChargingRefused,
    charging_session_start,
    charging_session_stop,
    reservation_cancel,
    reservation_request,
    transaction_remote_stop,
)
from chargepoints.services.expiry import charging_requests_expire
from chargepoints.services.transaction_prices import transactions_with_prices
from csms.api.filters import DateTimeFilter
from csms.api.permissions import OwnedOrPermitted, holds, rows_visible
from csms.api.schema import error_response

# Stopping someone else's charging or cancelling their reservation sends the
# charger a command: it takes what every command takes (chargepoints/api/commands).
STOPPING_OTHERS = ("chargepoints.change_chargepoint",)

# What a driver's request adds to the errors every operation documents (csms.api.schema).
_ERRORS = {
    403: error_response(403, "The account may not charge (blocked or expired)."),
    409: RefusalSerializer,
}


def _refused(error: ChargingRefused) -> Response:
    body = {"detail": error.detail, "code": error.code}
    if error.session is not None:
        body["session_id"] = error.session.session_id
    return Response(body, status=status.HTTP_409_CONFLICT)


def _sent(command, what: str) -> Response:
    answered = command.status == CommandStatus.ACCEPTED
    detail = (
        f"The charger accepted the {what}."
        if answered
        else f"The {what} was sent; the charger has not answered yet."
    )
    body = CommandSentSerializer({"detail": detail, "command": command}).data
    return Response(body, status=status.HTTP_202_ACCEPTED)


def _chargepoint(chargepoint_id: str) -> ChargePoint:
    chargepoint = ChargePoint.objects.filter(pk=chargepoint_id).first()
    if chargepoint is None:
        raise ValidationError({"chargepoint": [f"Unknown charge point {chargepoint_id!r}."]})
    return chargepoint


class TransactionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="transaction_status", choices=TransactionStatus.choices
    )
    chargepoint = django_filters.CharFilter(field_name="chargepoint_id")
    connector_id = django_filters.NumberFilter(field_name="connector__connectorid")
    started_after = DateTimeFilter(field_name="start_transaction_timestamp", lookup_expr="gte")
    started_before = DateTimeFilter(field_name="start_transaction_timestamp", lookup_expr="lt")
    needs_review = django_filters.BooleanFilter(method="filter_needs_review")

    class Meta:
        model = Transaction
        fields = ["status", "chargepoint", "connector_id", "user", "needs_review"]

    def filter_needs_review(self, queryset, name, value):
        # The review flag is the operators' (the serializer shows drivers
        # false); filtering on it must not reveal it either.
        if holds(self.request.user, "chargepoints.view_transaction"):
            return queryset.filter(needs_review=value)
        return queryset if value is False else queryset.none()


class SampleFilter(django_filters.FilterSet):
    measurand = django_filters.CharFilter()
    phase = django_filters.CharFilter()
    since = DateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = DateTimeFilter(field_name="timestamp", lookup_expr="lt")

    class Meta:
        model = SampledValue
        fields = ["measurand", "phase", "since", "until"]


@extend_schema_view(
    list=extend_schema(summary="Transactions: a driver's own, every one for operators"),
    retrieve=extend_schema(summary="One transaction with its energy, cost and live values"),
)
class TransactionViewSet(OwnedOrPermitted, viewsets.ReadOnlyModelViewSet):
    serializer_class = TransactionSerializer
    queryset = Transaction.objects.select_related("connector", "session")
    others_need = {"stop": STOPPING_OTHERS}

    def get_queryset(self):
        return transactions_with_prices(super().get_queryset())

    filterset_class = TransactionFilter
    ordering_fields = [
        "start_transaction_timestamp",
        "stop_transaction_timestamp",
        "total_energy",
        "transaction_id",
    ]
    ordering = ["-start_transaction_timestamp", "-transaction_id"]

    @extend_schema(
        summary="Stop charging (remote stop through the charger)",
        request=None,
        responses={202: CommandSentSerializer, 409: RefusalSerializer},
    )
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        tx = self.get_object()
        try:
            command = transaction_remote_stop(user=request.user, tx=tx)
        except ChargingRefused as error:
            return _refused(error)
        return _sent(command, "stop")


@extend_schema(summary="A transaction's meter values as a time series, oldest first")
class TransactionMeterValues(generics.ListAPIView):
    """Every sampled value of one transaction: filter by measurand, phase and time."""

    serializer_class = SampledValueSerializer
    filterset_class = SampleFilter
    ordering_fields = ["timestamp"]
    ordering = ["timestamp", "pk"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SampledValue.objects.none()
        visible = rows_visible(Transaction.objects.all(), self.request.user)
        tx = get_object_or_404(visible, pk=self.kwargs["pk"])
        return tx.sampled_values.all()


class SessionOrdering(OrderingFilter):
    """``end_time`` orders by the end as shown, which a session past its limit has already."""

    def get_ordering(self, request, queryset, view):
        return [
            term.replace("end_time", "current_end_time")
            for term in super().get_ordering(request, queryset, view)
        ]


class SessionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(field_name="current_status", choices=SessionStatus.choices)
    chargepoint = django_filters.CharFilter(field_name="chargepoint_id")

    class Meta:
        model = ChargingSession
        fields = ["status", "chargepoint", "user"]


@extend_schema_view(
    list=extend_schema(summary="Charging sessions: a driver's own, every one for operators"),
    retrieve=extend_schema(summary="One charging session"),
)
class SessionViewSet(
    OwnedOrPermitted,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SessionSerializer
    queryset = ChargingSession.objects.select_related(
        "connector", "start_command", "transaction__connector", "transaction__session"
    )
    lookup_field = "session_id"
    others_need = {"stop": STOPPING_OTHERS}
    filterset_class = SessionFilter
    filter_backends = [DjangoFilterBackend, SessionOrdering]
    ordering_fields = ["start_time", "end_time", "last_activity"]
    ordering = ["-start_time", "-pk"]

    def get_queryset(self):
        # As they are now, without writing: the periodic sweep settles them.
        return charging_sessions_current(sessions=super().get_queryset())

    @extend_schema(
        summary="Start charging at a connector with one of your id tags",
        description=(
            "Sends a remote start to the charger. 201: the charger accepted; 202: it has "
            "not answered yet (follow the session); 409: offline, busy, reserved or refused."
        ),
        request=SessionStartSerializer,
        responses={201: SessionSerializer, 202: SessionSerializer, **_ERRORS},
    )
    def create(self, request):
        data = SessionStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        chargepoint = _chargepoint(values["chargepoint"])
        try:
            session = charging_session_start(
                user=request.user,
                chargepoint=chargepoint,
                connector_id=values.get("connector_id"),
                id_tag=values.get("id_tag"),
                vehicle_id=values.get("vehicle"),
            )
        except AccountNotAllowed as error:
            raise PermissionDenied(str(error)) from None
        except ChargingRefused as error:
            return _refused(error)
        answered = session.start_command and session.start_command.status == CommandStatus.ACCEPTED
        code = status.HTTP_201_CREATED if answered else status.HTTP_202_ACCEPTED
        return Response(SessionSerializer(session, context={"request": request}).data, code)

    @extend_schema(
        summary="Stop charging",
        request=None,
        responses={202: CommandSentSerializer, 409: RefusalSerializer},
    )
    @action(detail=True, methods=["post"])
    def stop(self, request, session_id=None):
        # A request that acts on a session acts on what is stored: settle it first.
        charging_requests_expire()
        session = self.get_object()
        try:
            command = charging_session_stop(user=request.user, session=session)
        except ChargingRefused as error:
            return _refused(error)
        return _sent(command, "stop")


class ReservationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="current_status", choices=ReservationStatus.choices
    )
    chargepoint = django_filters.CharFilter(field_name="chargepoint_id")

    class Meta:
        model = Reservation
        fields = ["status", "chargepoint", "user"]


@extend_schema_view(
    list=extend_schema(summary="Reservations: a driver's own, every one for operators"),
    retrieve=extend_schema(summary="One reservation"),
)
class ReservationViewSet(
    OwnedOrPermitted,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReservationSerializer
    queryset = Reservation.objects.select_related("connector")
    others_need = {"cancel": STOPPING_OTHERS}
    filterset_class = ReservationFilter
    ordering_fields = ["start_time", "expiry_date", "created_at"]
    ordering = ["-start_time", "-created_at"]

    def get_queryset(self):
        # As they are now, without writing: the periodic sweep expires them.
        return reservations_current(reservations=super().get_queryset())

    @extend_schema(
        summary="Reserve a connector (ReserveNow through the charger)",
        request=ReservationCreateSerializer,
        responses={201: ReservationSerializer, 202: CommandSentSerializer, **_ERRORS},
    )
    def create(self, request):
        data = ReservationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        chargepoint = _chargepoint(values["chargepoint"])
        try:
            result = reservation_request(
                user=request.user,
                chargepoint=chargepoint,
                expiry_date=values["expiry_date"],
                connector_id=values.get("connector_id"),
                id_tag=values.get("id_tag"),
            )
        except AccountNotAllowed as error:
            raise PermissionDenied(str(error)) from None
        except ChargingRefused as error:
            return _refused(error)
        if result.reservation is None:
            return _sent(result.command, "reservation")
        body = ReservationSerializer(result.reservation, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a reservation (CancelReservation through the charger)",
        request=None,
        responses={200: ReservationSerializer, 409: RefusalSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        # A request that acts on a reservation acts on what is stored: settle it first.
        charging_requests_expire()
        reservation = self.get_object()
        try:
            reservation_cancel(user=request.user, reservation=reservation)
        except ChargingRefused as error:
            return _refused(error)
        reservation.refresh_from_db()
        return Response(ReservationSerializer(reservation, context={"request": request}).data)

"""Transactions, charging sessions and reservations: the driver's side of charging."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY, idempotent
from chargepoints.api.charging import examples as ex
from chargepoints.api.charging.selectors import reservations_current
from chargepoints.api.charging.serializers import (
    CommandSentSerializer,
    RefusalSerializer,
    ReservationCreateSerializer,
    ReservationSerializer,
    SampledValueSerializer,
    SessionSerializer,
    SessionStartSerializer,
    StopSerializer,
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
from chargepoints.selectors import chargepoint_list
from chargepoints.services.driving import (
    AccountNotAllowed,
    ChargingRefused,
    reservation_cancel,
    reservation_request,
)
from chargepoints.services.session_start import charging_session_start
from chargepoints.services.session_stop import (
    REMOTE_STOP,
    StopResult,
    charging_session_stop,
    transaction_end,
)
from chargepoints.services.transaction_prices import transactions_with_prices
from csms.api.filters import BooleanFilter, DateTimeFilter, IdFilter, UpdatedAfterFilter
from csms.api.pagination import CursorPage
from csms.api.permissions import OwnedOrPermitted, holds, rows_visible, sees_all
from csms.api.problems import Conflict
from csms.api.schema import error_response

# Stopping someone else's charging or cancelling their reservation sends the
# charger a command: it takes what every command takes (chargepoints/api/commands).
STOPPING_OTHERS = ("chargepoints.change_chargepoint",)

_STOP_DESCRIPTION = (
    "Online, the charger is asked to stop (202, outcome REMOTE_STOP; the session goes "
    "FINISHING when the charger accepts, COMPLETED when the transaction ends). A driver "
    "ending their own transaction whose charger is gone (offline, nothing heard of it for "
    "CSMS_DRIVER_CLOSE_OFFLINE_AFTER, 15 minutes by default) or refuses the stop having "
    "rebooted since gets it closed by the CSMS as an operator's close does (200, outcome "
    "CLOSED; flagged for an operator's review; the charger's own stop, should it come, "
    "completes it), which frees their id tag for a new start. At a charger offline for "
    "less: 409 charger_offline with Retry-After (and retry_after, seconds): it may still "
    "be charging and will report the end itself. A session whose start is still waiting "
    "(REQUESTED, STARTING) is canceled: 200, outcome CANCELED, the session FAILED with "
    "status_reason 'Canceled by the driver.'; should the charger start anyway, the CSMS "
    "stops that transaction at once."
)

# What a driver's request adds to the errors every operation documents (csms.api.schema).
_ERRORS = {
    403: error_response(403, "The account may not charge (blocked or expired)."),
    409: RefusalSerializer,
}


def _refused(error: ChargingRefused) -> Conflict:
    """The service's refusal as the API's (RFC 9457, with what it names: session_id, ...)."""
    problem = Conflict(error.detail, code=error.code, **error.extra)
    # DRF's handler makes it the Retry-After header: when asking again may do.
    problem.wait = error.extra.get("retry_after")
    return problem


def _stopped(result: StopResult, request) -> Response:
    body = StopSerializer(result, context={"request": request}).data
    sent = result.outcome == REMOTE_STOP
    return Response(body, status=status.HTTP_202_ACCEPTED if sent else status.HTTP_200_OK)


def _sent(command, what: str) -> Response:
    answered = command.status == CommandStatus.ACCEPTED
    detail = (
        f"The charger accepted the {what}."
        if answered
        else f"The {what} was sent; the charger has not answered yet."
    )
    body = CommandSentSerializer({"detail": detail, "command": command}).data
    return Response(body, status=status.HTTP_202_ACCEPTED)


def _chargepoint(chargepoint_id: str, user) -> ChargePoint:
    """A charger the caller may charge at: drivers only where the public list shows one.

    One not shown (an unpublished location) is refused as an unknown one is,
    so a driver can neither probe for it nor start at it; operators see all.
    """
    visible = ChargePoint.objects.all()
    if not sees_all(user, ChargePoint):
        visible = chargepoint_list(published_only=True)
    chargepoint = visible.filter(pk=chargepoint_id).first()
    if chargepoint is None:
        raise ValidationError(
            {"chargepoint_id": [_("Unknown charge point %(id)r.") % {"id": chargepoint_id}]}
        )
    return chargepoint


class TransactionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="transaction_status", choices=TransactionStatus.choices
    )
    chargepoint_id = django_filters.CharFilter(field_name="chargepoint_id")
    connector_id = IdFilter(field_name="connector__connectorid")
    started_after = DateTimeFilter(field_name="start_transaction_timestamp", lookup_expr="gte")
    started_before = DateTimeFilter(field_name="start_transaction_timestamp", lookup_expr="lt")
    stopped_after = DateTimeFilter(field_name="stop_transaction_timestamp", lookup_expr="gte")
    stopped_before = DateTimeFilter(field_name="stop_transaction_timestamp", lookup_expr="lt")
    location = django_filters.CharFilter(
        field_name="chargepoint__location_id", max_length=36, help_text="Location id."
    )
    updated_after = UpdatedAfterFilter()
    needs_review = BooleanFilter(method="filter_needs_review")

    class Meta:
        model = Transaction
        fields = ["status", "chargepoint_id", "connector_id", "user", "needs_review"]

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
    pagination_class = CursorPage
    # The cursor holds the first ordering field's value: never a nullable one
    # (stop time, energy), which a cursor cannot continue from.
    ordering_fields = ["start_transaction_timestamp", "transaction_id"]
    ordering = ["-start_transaction_timestamp", "-transaction_id"]

    @extend_schema(
        summary="End a transaction (remote stop; closed by the CSMS if the charger cannot)",
        description=_STOP_DESCRIPTION,
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: StopSerializer, 202: StopSerializer, 409: RefusalSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def stop(self, request, pk=None):
        tx = self.get_object()
        try:
            result = transaction_end(user=request.user, tx=tx)
        except ChargingRefused as error:
            raise _refused(error) from None
        return _stopped(result, request)


@extend_schema(summary="A transaction's meter values as a time series, oldest first")
class TransactionMeterValues(generics.ListAPIView):
    """Every sampled value of one transaction: filter by measurand, phase and time."""

    serializer_class = SampledValueSerializer
    filterset_class = SampleFilter
    pagination_class = CursorPage
    ordering_fields = ["timestamp"]
    ordering = ["timestamp", "pk"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SampledValue.objects.none()
        visible = rows_visible(Transaction.objects.all(), self.request.user)
        tx = get_object_or_404(visible, pk=self.kwargs["pk"])
        return tx.sampled_values.all()


class SessionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(field_name="status", choices=SessionStatus.choices)
    chargepoint_id = django_filters.CharFilter(field_name="chargepoint_id")
    location = django_filters.CharFilter(
        field_name="chargepoint__location_id", max_length=36, help_text="Location id."
    )
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = ChargingSession
        fields = ["status", "chargepoint_id", "user"]


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
    pagination_class = CursorPage
    # Not end_time: the cursor holds the first ordering field's value, never a null one.
    ordering_fields = ["start_time", "last_activity"]
    ordering = ["-start_time", "-pk"]

    @extend_schema(
        summary="Start charging at a connector with one of your id tags",
        operation_id="session_start",
        description=(
            "Hands a remote start to the charger and answers at once, without waiting for "
            "the charger: 202 with the new session (STARTING, or REQUESTED), which the "
            "charger's answer and its transaction then move (follow it on the live socket "
            "/ws/v1/live/ or by reading it). While a start of yours is still waiting "
            "(REQUESTED or STARTING), asking again for the same charge point and connector "
            "(and tag and vehicle, if named) answers 200 with that same session; asking for "
            "another is 409 start_pending, naming the waiting one (session_id, "
            "chargepoint_id, connector_id: cancel it with POST /sessions/{id}/stop/). "
            "A charge point you cannot see is refused as an unknown one (400). "
            "409: offline, busy (connector_busy), reserved, refused, or your tag held by an "
            "open transaction (tag_in_transaction, naming transaction_id: end it with "
            "POST /transactions/{id}/stop/)."
        ),
        request=SessionStartSerializer,
        parameters=[IDEMPOTENCY_KEY],
        examples=ex.SESSION_START,
        responses={200: SessionSerializer, 202: SessionSerializer, **_ERRORS},
    )
    @idempotent
    def create(self, request):
        data = SessionStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        chargepoint = _chargepoint(values["chargepoint_id"], request.user)
        try:
            result = charging_session_start(
                user=request.user,
                chargepoint=chargepoint,
                connector_id=values.get("connector_id"),
                id_tag=values.get("id_tag"),
                vehicle_id=values.get("vehicle"),
            )
        except AccountNotAllowed as error:
            raise PermissionDenied(str(error)) from None
        except ChargingRefused as error:
            raise _refused(error) from None
        code = status.HTTP_202_ACCEPTED if result.created else status.HTTP_200_OK
        return Response(SessionSerializer(result.session, context={"request": request}).data, code)

    @extend_schema(
        summary="Stop charging (remote stop; closed by the CSMS if the charger cannot)",
        description=_STOP_DESCRIPTION,
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: StopSerializer, 202: StopSerializer, 409: RefusalSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def stop(self, request, session_id=None):
        session = self.get_object()
        try:
            result = charging_session_stop(user=request.user, session=session)
        except ChargingRefused as error:
            raise _refused(error) from None
        return _stopped(result, request)


class ReservationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="current_status", choices=ReservationStatus.choices
    )
    chargepoint_id = django_filters.CharFilter(field_name="chargepoint_id")
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = Reservation
        fields = ["status", "chargepoint_id", "user"]


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
    pagination_class = CursorPage
    ordering_fields = ["start_time", "expiry_date", "created_at"]
    ordering = ["-start_time", "-created_at"]

    def get_queryset(self):
        # As they are now, without writing: the periodic sweep expires them.
        return reservations_current(reservations=super().get_queryset())

    @extend_schema(
        summary="Reserve a connector (ReserveNow through the charger)",
        request=ReservationCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        examples=ex.RESERVATION_CREATE,
        responses={201: ReservationSerializer, 202: CommandSentSerializer, **_ERRORS},
    )
    @idempotent
    def create(self, request):
        data = ReservationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        chargepoint = _chargepoint(values["chargepoint_id"], request.user)
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
            raise _refused(error) from None
        if result.reservation is None:
            return _sent(result.command, "reservation")
        body = ReservationSerializer(result.reservation, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a reservation (CancelReservation through the charger)",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: ReservationSerializer, 409: RefusalSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        reservation = self.get_object()
        try:
            reservation_cancel(user=request.user, reservation=reservation)
        except ChargingRefused as error:
            raise _refused(error) from None
        reservation.refresh_from_db()
        return Response(ReservationSerializer(reservation, context={"request": request}).data)

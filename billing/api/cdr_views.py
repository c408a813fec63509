"""CDRs and receipts: a driver reads their own, operators (billing.view_cdr) every one."""

import re

import django_filters
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, viewsets

from billing.api.cdr_serializers import CdrSerializer, ReceiptSerializer
from billing.cdr_selectors import (
    VIEW_CDR,
    NoReceipt,
    ReceiptNotReady,
    cdrs_visible,
    transaction_receipt,
)
from billing.models import CDR
from chargepoints.enums import SESSION_OPEN
from chargepoints.models import ChargingSession, Transaction
from csms.api.filters import BooleanFilter, DateTimeFilter, UpdatedAfterFilter
from csms.api.pagination import CursorPage
from csms.api.permissions import holds
from csms.api.problems import Conflict, Problem
from csms.api.schema import error_response

CDR_ID = re.compile(r"[^/\x00-\x1f\x7f]{1,39}")
SESSION_ID = re.compile(r"[^/\x00-\x1f\x7f]{1,36}")


class CdrFilter(django_filters.FilterSet):
    updated_after = UpdatedAfterFilter(field_name="last_updated")
    ended_after = DateTimeFilter(
        field_name="end_date_time", lookup_expr="gte", help_text="Sessions ended at or after."
    )
    ended_before = DateTimeFilter(
        field_name="end_date_time", lookup_expr="lt", help_text="Sessions ended before."
    )
    chargepoint_id = django_filters.CharFilter(
        field_name="transaction__chargepoint_id", help_text="The charge point's id."
    )
    credit = BooleanFilter(help_text="Only credit CDRs, or none of them.")

    class Meta:
        model = CDR
        fields = ["updated_after", "ended_after", "ended_before", "chargepoint_id", "credit"]


@extend_schema_view(
    list=extend_schema(summary="Charge detail records: a driver's own, every one for operators"),
    retrieve=extend_schema(summary="One charge detail record"),
)
class CdrViewSet(viewsets.ReadOnlyModelViewSet):
    """CDRs (OCPI 2.2.1): what each finished session used and cost, credits included.

    A driver sees the CDRs of their own transactions once billed (a CDR an
    operator has yet to review is not shown); operators with billing.view_cdr
    see every one.
    """

    serializer_class = CdrSerializer
    filterset_class = CdrFilter
    pagination_class = CursorPage
    ordering_fields = ["end_date_time", "last_updated"]
    ordering = ["-end_date_time", "-id"]
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CDR.objects.none()
        return cdrs_visible(user=self.request.user)

    def get_object(self):
        # What cannot be an id never reaches the database (a NUL is an error there).
        if not CDR_ID.fullmatch(self.kwargs["pk"]):
            raise Http404
        return super().get_object()


def _receipt(cdr_of) -> CDR:
    try:
        return cdr_of()
    except ReceiptNotReady:
        raise Conflict(
            _("The receipt is made once the session has ended and been billed."),
            code="receipt_not_ready",
        ) from None
    except NoReceipt:
        raise Problem(
            _("This session was never billed: it has no receipt."),
            code="no_receipt",
            status_code=404,
        ) from None


RECEIPT_DOC = (
    "The receipt of a finished session: its CDR's totals (energy, time, parking time, "
    "cost excl. and incl. VAT, per dimension), its charging periods with their prices, "
    "the tariff used, where and when. 409 `receipt_not_ready` while the session runs or "
    "its CDR is not made yet; 404 for another driver's session."
)


RECEIPT_RESPONSES = {
    200: ReceiptSerializer,
    409: error_response(409, "`receipt_not_ready`: the session runs or is not billed yet."),
}


@extend_schema(
    summary="The receipt of a charging session",
    description=RECEIPT_DOC,
    responses=RECEIPT_RESPONSES,
)
class SessionReceipt(generics.RetrieveAPIView):
    serializer_class = ReceiptSerializer

    def get_object(self):
        sessions = ChargingSession.objects.select_related("transaction__chargepoint")
        if not holds(self.request.user, VIEW_CDR):
            sessions = sessions.filter(user=self.request.user)
        if not SESSION_ID.fullmatch(self.kwargs["session_id"]):
            raise Http404
        session = get_object_or_404(sessions, session_id=self.kwargs["session_id"])
        return _receipt(
            lambda: transaction_receipt(
                tx=session.transaction,
                user=self.request.user,
                open_session=session.status in SESSION_OPEN,
            )
        )


@extend_schema(
    summary="The receipt of a transaction",
    description=RECEIPT_DOC,
    responses=RECEIPT_RESPONSES,
)
class TransactionReceipt(generics.RetrieveAPIView):
    serializer_class = ReceiptSerializer

    def get_object(self):
        transactions = Transaction.objects.select_related("chargepoint")
        if not holds(self.request.user, VIEW_CDR):
            transactions = transactions.filter(user=self.request.user)
        tx = get_object_or_404(transactions, pk=self.kwargs["pk"])
        return _receipt(lambda: transaction_receipt(tx=tx, user=self.request.user))

"""The price of charging at a connector, before starting: GET .../connectors/<n>/price/.

Public, as the connector it prices: an app shows it before anyone logs in.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.api import examples as ex
from billing.api import help_texts as docs
from billing.api.serializers import TariffSerializer
from billing.quotes import EstimateRefused, Quote, connector_quote
from billing.tariff_text import tariff_is_free, tariff_text
from chargepoints.api.sites.views import CHARGEPOINT_ID, CONNECTOR_NUMBER, require_id
from chargepoints.models import ChargePoint
from chargepoints.selectors import chargepoint_list
from csms.api.money import PriceSerializer, price_data
from csms.api.permissions import sees_all
from csms.api.schema import error_response

WEEK_MINUTES = 7 * 24 * 60
# What an estimate can work out when it is not given.
ESTIMATED = ["energy_kwh", "duration_minutes"]


class EstimateQuerySerializer(serializers.Serializer):
    energy_kwh = serializers.DecimalField(
        max_digits=7, decimal_places=3, min_value=0, max_value=1000, required=False
    )
    duration_minutes = serializers.DecimalField(
        max_digits=6, decimal_places=1, min_value=0, max_value=WEEK_MINUTES, required=False
    )
    parking_minutes = serializers.DecimalField(
        max_digits=6, decimal_places=1, min_value=0, max_value=WEEK_MINUTES, required=False
    )


class EstimateSerializer(serializers.Serializer):
    energy_kwh = serializers.DecimalField(max_digits=7, decimal_places=3)
    duration_minutes = serializers.DecimalField(max_digits=6, decimal_places=1)
    parking_minutes = serializers.DecimalField(max_digits=6, decimal_places=1)
    derived = serializers.ListField(
        child=serializers.ChoiceField(choices=ESTIMATED),
        help_text="What was not given and was worked out at the connector's maximum power.",
    )
    cost = PriceSerializer(help_text="The whole session, as its CDR would price it.")
    fixed_cost = PriceSerializer()
    energy_cost = PriceSerializer()
    time_cost = PriceSerializer()
    parking_cost = PriceSerializer()

    class Meta:
        help_texts = docs.ESTIMATE


class PriceQuoteSerializer(serializers.Serializer):
    chargepoint_id = serializers.CharField()
    connector_id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="The moment priced: now.")
    free = serializers.BooleanField(
        help_text="Nothing costs money here now (no tariff, or one of zero prices)."
    )
    text = serializers.CharField(
        help_text='The tariff in words, VAT included: "0.42 EUR/kWh + 1.00 EUR per session, '
        'parking 6.00 EUR/h after 2 h", or "Free of charge".'
    )
    tariff = TariffSerializer(
        allow_null=True, help_text="The tariff a session starting now would be priced with."
    )
    estimate = EstimateSerializer(
        allow_null=True,
        help_text="Given energy_kwh, duration_minutes and/or parking_minutes: the cost.",
    )

    class Meta:
        help_texts = docs.PRICE_QUOTE


def _estimate_data(quote: Quote) -> dict | None:
    estimate = quote.estimate
    if estimate is None:
        return None
    costs = estimate.costs

    def money(price):
        return price_data(excl_vat=price.excl_vat, incl_vat=price.incl_vat, currency=costs.currency)

    return {
        "energy_kwh": estimate.energy_kwh,
        "duration_minutes": estimate.duration_minutes,
        "parking_minutes": estimate.parking_minutes,
        "derived": list(estimate.derived),
        "cost": money(costs.total),
        "fixed_cost": money(costs.fixed),
        "energy_cost": money(costs.energy),
        "time_cost": money(costs.time),
        "parking_cost": money(costs.parking),
    }


class ConnectorPrice(APIView):
    """What charging here costs now, in numbers and words, and an estimate if asked."""

    permission_classes = [permissions.AllowAny]
    query_parameters = ("energy_kwh", "duration_minutes", "parking_minutes")

    @extend_schema(
        summary="The price of charging at a connector now, and an estimate",
        parameters=[
            OpenApiParameter("energy_kwh", float, description="Energy to charge, kWh."),
            OpenApiParameter("duration_minutes", float, description="Minutes of charging."),
            OpenApiParameter(
                "parking_minutes", float, description="Minutes plugged in after charging."
            ),
        ],
        responses={
            200: PriceQuoteSerializer,
            400: error_response(400, "A value out of range, or one the estimate needs."),
        },
        examples=ex.PRICE_QUOTE,
    )
    def get(self, request, chargepoint_id: str, connector_id: str):
        require_id(CHARGEPOINT_ID, chargepoint_id)
        require_id(CONNECTOR_NUMBER, connector_id)
        query = EstimateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        visible = chargepoint_list(published_only=not sees_all(request.user, ChargePoint))
        chargepoint = get_object_or_404(visible, pk=chargepoint_id)
        connector = get_object_or_404(chargepoint.connectors.all(), connectorid=connector_id)
        try:
            quote = connector_quote(connector=connector, at=timezone.now(), **query.validated_data)
        except EstimateRefused as refused:
            raise ValidationError({refused.field: [refused.message]}, code="required") from None
        data = {
            "chargepoint_id": chargepoint.pk,
            "connector_id": connector.connectorid,
            "at": quote.at,
            "free": tariff_is_free(quote.spec),
            "text": tariff_text(quote.spec),
            "tariff": quote.tariff,
            "estimate": _estimate_data(quote),
        }
        return Response(PriceQuoteSerializer(data, context={"request": request}).data)

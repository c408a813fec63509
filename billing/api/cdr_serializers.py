"""CDRs and receipts as drivers and operators read them, amounts as Price objects.

A CDR (OCPI 2.2.1 CDRs §10.3.1) keeps its amounts as OCPI Prices without the
currency beside them and its charging periods without prices; here every
amount carries its currency and a receipt's periods carry what they cost.
"""

from django_countries import countries
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from billing.api import examples as ex
from billing.api import help_texts as docs
from billing.cdr_selectors import PricedPeriod, cdr_periods_priced
from billing.models import CDR
from billing.pricing import TariffError, TariffSpec
from billing.tariff_text import tariff_text
from csms.api.money import PriceSerializer, price_data, price_from_ocpi

COST_HELP = "{what}, excl. and incl. VAT, in the CDR's currency; null when the CDR has none."


class LocationBriefSerializer(serializers.Serializer):
    """Where the session was, as it was then (the CDR's OCPI CdrLocation)."""

    id = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    postal_code = serializers.CharField(allow_null=True)
    country = serializers.CharField(
        allow_null=True,
        help_text="ISO 3166-1 alpha-2 code, e.g. DE, as the REST API's locations show it "
        "(the CDR's OCPI copy keeps alpha-3); null when not known.",
    )

    class Meta:
        help_texts = docs.LOCATION_BRIEF


class DimensionSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="OCPI 2.2.1 CdrDimensionType: ENERGY (kWh), TIME, PARKING_TIME, "
        "RESERVATION_TIME (h), MIN/MAX_CURRENT (A), MIN/MAX_POWER (kW)."
    )
    volume = serializers.FloatField()

    class Meta:
        help_texts = docs.DIMENSION


class ChargingPeriodSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField(source="start_date_time")
    dimensions = DimensionSerializer(many=True)
    tariff_id = serializers.CharField(required=False, allow_null=True, default=None)

    class Meta:
        help_texts = docs.CHARGING_PERIOD


def _price(what: str):
    return serializers.SerializerMethodField(help_text=COST_HELP.format(what=what))


@extend_schema_serializer(examples=ex.CDR)
class CdrSerializer(serializers.ModelSerializer):
    """A charge detail record: what a finished session used and cost (OCPI 2.2.1 CDR)."""

    transaction_id = serializers.IntegerField(read_only=True, allow_null=True)
    session_id = serializers.CharField(
        source="transaction.session.session_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The charging session (/api/v1/sessions/) this CDR bills, if any.",
    )
    chargepoint_id = serializers.CharField(
        source="transaction.chargepoint_id", read_only=True, allow_null=True, default=None
    )
    connector_id = serializers.IntegerField(
        source="transaction.connector.connectorid", read_only=True, allow_null=True, default=None
    )
    evse_id = serializers.SerializerMethodField(help_text="The printed EVSE id (eMI3).")
    location = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField(source="start_date_time", read_only=True)
    ended_at = serializers.DateTimeField(source="end_date_time", read_only=True)
    total_energy_kwh = serializers.FloatField(source="total_energy", read_only=True)
    total_time_h = serializers.FloatField(
        source="total_time", read_only=True, help_text="Charging and parking, in hours."
    )
    total_parking_time_h = serializers.FloatField(
        source="total_parking_time", read_only=True, allow_null=True
    )
    cost = _price("What the session cost")
    fixed_cost = _price("The fixed (per session) part")
    energy_cost = _price("The energy part")
    time_cost = _price("The charging time part")
    parking_cost = _price("The parking time part")
    reservation_cost = _price("The reservation part")
    tariff_ids = serializers.SerializerMethodField()
    charging_periods = ChargingPeriodSerializer(many=True, read_only=True)

    class Meta:
        model = CDR
        fields = [
            "id",
            "country_code",
            "party_id",
            "transaction_id",
            "session_id",
            "chargepoint_id",
            "connector_id",
            "evse_id",
            "location",
            "started_at",
            "ended_at",
            "currency",
            "total_energy_kwh",
            "total_time_h",
            "total_parking_time_h",
            "cost",
            "fixed_cost",
            "energy_cost",
            "time_cost",
            "parking_cost",
            "reservation_cost",
            "tariff_ids",
            "charging_periods",
            "auth_method",
            "credit",
            "credit_reference_id",
            "remark",
            "needs_review",
            "last_updated",
        ]
        read_only_fields = fields
        help_texts = docs.CDR

    def _money(self, cdr: CDR, name: str):
        return price_from_ocpi(getattr(cdr, name), cdr.currency)

    @extend_schema_field(PriceSerializer)
    def get_cost(self, cdr: CDR):
        return self._money(cdr, "total_cost")

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_fixed_cost(self, cdr: CDR):
        return self._money(cdr, "total_fixed_cost")

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_energy_cost(self, cdr: CDR):
        return self._money(cdr, "total_energy_cost")

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_time_cost(self, cdr: CDR):
        return self._money(cdr, "total_time_cost")

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_parking_cost(self, cdr: CDR):
        return self._money(cdr, "total_parking_cost")

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_reservation_cost(self, cdr: CDR):
        return self._money(cdr, "total_reservation_cost")

    def get_evse_id(self, cdr: CDR) -> str | None:
        return (cdr.cdr_location or {}).get("evse_id")

    @extend_schema_field(LocationBriefSerializer)
    def get_location(self, cdr: CDR):
        where = cdr.cdr_location or {}
        return {
            "id": where.get("id", ""),
            "name": where.get("name"),
            "address": where.get("address", ""),
            "city": where.get("city", ""),
            "postal_code": where.get("postal_code"),
            # OCPI's CdrLocation says alpha-3 (DEU); REST says alpha-2 (DE) everywhere.
            "country": countries.alpha2(where.get("country") or "") or None,
        }

    def get_tariff_ids(self, cdr: CDR) -> list[str]:
        return [str(t.get("id")) for t in cdr.tariff_snapshots or [] if isinstance(t, dict)]


class PeriodCostsSerializer(serializers.Serializer):
    energy = PriceSerializer(allow_null=True)
    time = PriceSerializer(allow_null=True)
    parking_time = PriceSerializer(allow_null=True)
    flat = PriceSerializer(allow_null=True)

    class Meta:
        help_texts = docs.PERIOD_COSTS


class PricedPeriodSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField(source="start")
    ended_at = serializers.DateTimeField(source="end")
    dimensions = DimensionSerializer(many=True)
    costs = serializers.SerializerMethodField(
        help_text="What each dimension cost in this period (step sizes included); "
        "null when the period could not be priced again."
    )
    cost = serializers.SerializerMethodField(
        help_text="The period's cost; the CDR's total may differ by its minimum or maximum price."
    )

    class Meta:
        help_texts = docs.PRICED_PERIOD

    @extend_schema_field(PeriodCostsSerializer(allow_null=True))
    def get_costs(self, period: PricedPeriod):
        if period.costs is None:
            return None
        currency = self.context["currency"]
        return {
            name.lower(): price_data(
                excl_vat=price.excl_vat, incl_vat=price.incl_vat, currency=currency
            )
            if (price := period.costs.get(name)) is not None
            else None
            for name in ("ENERGY", "TIME", "PARKING_TIME", "FLAT")
        }

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_cost(self, period: PricedPeriod):
        if period.costs is None:
            return None
        excl = sum((p.excl_vat for p in period.costs.values()), 0)
        incl = sum((p.incl_vat or 0 for p in period.costs.values()), 0)
        return price_data(excl_vat=excl, incl_vat=incl, currency=self.context["currency"])


class TariffUsedSerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField(help_text="The tariff in words, as it was when the session ran.")

    class Meta:
        help_texts = docs.TARIFF_USED


@extend_schema_serializer(examples=ex.RECEIPT)
class ReceiptSerializer(CdrSerializer):
    """A finished session's receipt: the CDR's totals and its periods with their prices."""

    charging_periods = serializers.SerializerMethodField()
    tariff = serializers.SerializerMethodField(
        help_text="The tariff the session was priced with; null when it was free of charge."
    )

    class Meta(CdrSerializer.Meta):
        fields = [*CdrSerializer.Meta.fields, "tariff"]
        read_only_fields = fields

    @extend_schema_field(PricedPeriodSerializer(many=True))
    def get_charging_periods(self, cdr: CDR):
        periods = cdr_periods_priced(cdr)
        context = {**self.context, "currency": cdr.currency}
        return PricedPeriodSerializer(periods, many=True, context=context).data

    @extend_schema_field(TariffUsedSerializer(allow_null=True))
    def get_tariff(self, cdr: CDR):
        if not cdr.tariff_snapshots:
            return None
        snapshot = cdr.tariff_snapshots[0]
        try:
            text = tariff_text(TariffSpec.from_ocpi(snapshot))
        except TariffError:
            text = ""
        return {"id": str(snapshot.get("id", "")), "text": text}

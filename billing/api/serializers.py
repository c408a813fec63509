from decimal import Decimal, InvalidOperation

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from billing.api import examples as ex
from billing.api import help_texts as docs
from billing.models import Tariff, TariffElement
from billing.pricing import TariffError, TariffSpec
from billing.snapshots import tariff_ocpi
from billing.tariff_text import tariff_text
from csms.api.fields import StrictModelSerializer
from csms.api.money import PriceSerializer, price_data, price_from_ocpi


# The JSON columns hold what OCPI partners and operators stored, checked
# against no schema: they are documented as any JSON, so a client is never
# promised a shape the database does not enforce.
@extend_schema_field(OpenApiTypes.ANY)
class OcpiJSONField(serializers.JSONField):
    pass


UNITS = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h", "FLAT": "session"}
PRICE_UNITS = ["kWh", "h", "session"]


class PriceComponentSerializer(serializers.Serializer):
    """One price of an element (OCPI 2.2.1 PriceComponent), per unit, with its currency."""

    type = serializers.ChoiceField(
        choices=list(UNITS), help_text="OCPI 2.2.1 TariffDimensionType: what is priced."
    )
    unit = serializers.ChoiceField(
        choices=PRICE_UNITS,
        help_text="What one unit of ``price`` is: a kWh, an hour, or the session.",
    )
    price = PriceSerializer(
        allow_null=True,
        help_text="The price of one unit; incl_vat is excl_vat when no VAT applies. "
        "Null for a component that cannot be read.",
    )
    vat_percent = serializers.CharField(
        allow_null=True, help_text='The VAT applied, in percent ("19.0"); null for none.'
    )
    step_size = serializers.IntegerField(
        help_text="Billed in steps of this many Wh (ENERGY) or seconds (TIME, PARKING_TIME)."
    )


def price_component_data(component: dict, currency: str) -> dict:
    """A stored OCPI PriceComponent as the API shows it; an unreadable price is null."""
    kind = component.get("type")
    vat = component.get("vat")
    try:
        excl = Decimal(str(component.get("price")))
        incl = excl if vat is None else excl * (1 + Decimal(str(vat)) / 100)
        price = price_data(excl_vat=excl, incl_vat=incl, currency=currency)
    except (InvalidOperation, ValueError):
        price = None
    return {
        "type": kind,
        "unit": UNITS.get(kind, ""),
        "price": price,
        "vat_percent": None if vat is None else str(vat),
        "step_size": component.get("step_size", 1),
    }


@extend_schema_field(PriceComponentSerializer(many=True))
class PriceComponentsField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, element: TariffElement):
        currency = element.tariff.currency
        components = element.price_components or []
        return [price_component_data(c, currency) for c in components if isinstance(c, dict)]


class TariffElementSerializer(StrictModelSerializer):
    """An OCPI 2.2.1 TariffElement: price components and when they apply."""

    price_components = PriceComponentsField(
        help_text="The prices of the element, each per unit, excl. and incl. VAT."
    )
    restrictions = OcpiJSONField(
        allow_null=True, help_text="OCPI 2.2.1 TariffRestrictions, or null for none."
    )

    class Meta:
        model = TariffElement
        fields = ["position", "price_components", "restrictions"]
        read_only_fields = fields
        help_texts = docs.TARIFF_ELEMENT


class TariffBriefSerializer(StrictModelSerializer):
    """What a driver needs to know the price: shown with each location."""

    tariff_alt_text = OcpiJSONField(help_text='[{"language": "en", "text": "..."}]')
    text = serializers.SerializerMethodField(
        help_text='The tariff in words, VAT included, in the language asked for: "0.42 EUR/kWh '
        '+ 1.00 EUR per session, parking 6.00 EUR/h after 2 h".'
    )
    elements = TariffElementSerializer(many=True, read_only=True)

    class Meta:
        model = Tariff
        fields = ["id", "currency", "type", "tariff_alt_text", "text", "elements"]
        read_only_fields = fields
        help_texts = docs.TARIFF

    def get_text(self, tariff: Tariff) -> str:
        try:
            return tariff_text(TariffSpec.from_ocpi(tariff_ocpi(tariff)))
        except TariffError:
            return ""


@extend_schema_serializer(examples=ex.TARIFF)
class TariffSerializer(TariffBriefSerializer):
    """An OCPI 2.2.1 Tariff (tariffs §11.3.1)."""

    # A URLField's "format: uri" would not admit the empty string it holds when unset.
    tariff_alt_url = serializers.CharField(
        read_only=True, help_text="URL of a web page about the tariff, or empty."
    )
    min_price = serializers.SerializerMethodField(
        help_text="The least a session costs (OCPI min_price), or null."
    )
    max_price = serializers.SerializerMethodField(
        help_text="The most a session costs (OCPI max_price), or null."
    )
    energy_mix = OcpiJSONField(allow_null=True, help_text="OCPI 2.2.1 EnergyMix.")

    class Meta(TariffBriefSerializer.Meta):
        fields = [
            "id",
            "country_code",
            "party_id",
            "currency",
            "type",
            "tariff_alt_text",
            "text",
            "tariff_alt_url",
            "min_price",
            "max_price",
            "elements",
            "start_date_time",
            "end_date_time",
            "energy_mix",
            "last_updated",
        ]
        read_only_fields = fields

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_min_price(self, tariff: Tariff):
        return price_from_ocpi(tariff.min_price, tariff.currency)

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_max_price(self, tariff: Tariff):
        return price_from_ocpi(tariff.max_price, tariff.currency)

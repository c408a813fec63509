from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import Tariff, TariffElement
from csms.api.fields import StrictModelSerializer


# The JSON columns hold what OCPI partners and operators stored, checked
# against no schema: they are documented as any JSON, so a client is never
# promised a shape the database does not enforce.
@extend_schema_field(OpenApiTypes.ANY)
class OcpiJSONField(serializers.JSONField):
    pass


class TariffElementSerializer(StrictModelSerializer):
    """An OCPI 2.2.1 TariffElement: price components and when they apply."""

    price_components = OcpiJSONField(
        help_text='OCPI 2.2.1 PriceComponents, e.g. [{"type": "ENERGY", "price": 0.25, '
        '"vat": 19.0, "step_size": 1}].'
    )
    restrictions = OcpiJSONField(
        allow_null=True, help_text="OCPI 2.2.1 TariffRestrictions, or null for none."
    )

    class Meta:
        model = TariffElement
        fields = ["position", "price_components", "restrictions"]
        read_only_fields = fields


class TariffBriefSerializer(StrictModelSerializer):
    """What a driver needs to know the price: shown with each location."""

    tariff_alt_text = OcpiJSONField(help_text='[{"language": "en", "text": "..."}]')
    elements = TariffElementSerializer(many=True, read_only=True)

    class Meta:
        model = Tariff
        fields = ["id", "currency", "type", "tariff_alt_text", "elements"]
        read_only_fields = fields


class TariffSerializer(TariffBriefSerializer):
    """An OCPI 2.2.1 Tariff (tariffs §11.3.1)."""

    # A URLField's "format: uri" would not admit the empty string it holds when unset.
    tariff_alt_url = serializers.CharField(
        read_only=True, help_text="URL of a web page about the tariff, or empty."
    )
    min_price = OcpiJSONField(allow_null=True, help_text='{"excl_vat": 0.5, "incl_vat": 0.6}')
    max_price = OcpiJSONField(allow_null=True)
    energy_mix = OcpiJSONField(allow_null=True, help_text="OCPI 2.2.1 EnergyMix.")

    class Meta(TariffBriefSerializer.Meta):
        fields = [
            "id",
            "country_code",
            "party_id",
            "currency",
            "type",
            "tariff_alt_text",
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

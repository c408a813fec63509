"""The tariffs the sites API shows and links: every use of billing in it, kept together.

Tariffs belong to billing (docs/architecture.md); connectors name the ones
that apply at them (OCPI Connector.tariff_ids) and locations show them.
The connector and location serializers take these fields from here.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.serializers import TariffBriefSerializer
from billing.models import Tariff
from chargepoints.models import Location
from csms.api.fields import OcpiIdRelatedField

# The field names, for the serializers' field lists and the connector views.
CONNECTOR_TARIFFS = "tariff_ids"
LOCATION_TARIFFS = "tariffs"


class PublicConnectorTariffs(serializers.Serializer):
    tariff_ids = serializers.PrimaryKeyRelatedField(many=True, read_only=True)


class ConnectorTariffs(serializers.Serializer):
    tariff_ids = OcpiIdRelatedField(
        many=True,
        queryset=Tariff.objects.all(),
        required=False,
        help_text="Ids of the tariffs that apply at this connector (OCPI Connector.tariff_ids).",
    )


class LocationTariffs(serializers.Serializer):
    tariffs = serializers.SerializerMethodField(
        help_text="The tariffs that apply at the location's connectors."
    )

    @extend_schema_field(TariffBriefSerializer(many=True))
    def get_tariffs(self, location: Location):
        # From the prefetched connectors: no query per location.
        tariffs = {}
        for chargepoint in location.chargepoints.all():
            for connector in chargepoint.connectors.all():
                for tariff in connector.tariff_ids.all():
                    tariffs.setdefault(tariff.pk, tariff)
        ordered = sorted(tariffs.values(), key=lambda tariff: tariff.pk)
        return TariffBriefSerializer(ordered, many=True, context=self.context).data


def connector_tariffs_split(fields: dict) -> tuple[dict, list[Tariff] | None]:
    """A connector's validated fields without its tariffs, and the tariffs (None: unchanged)."""
    fields = dict(fields)
    return fields, fields.pop(CONNECTOR_TARIFFS, None)


def connectors_with_tariffs(connectors):
    """The connectors with their tariffs fetched in one query."""
    return connectors.prefetch_related(CONNECTOR_TARIFFS)

"""What billing shows in the charging domain's sites API: the tariffs that apply.

Registered with ``chargepoints.api.sites.extras`` when Django starts
(``billing.apps``); the sites API itself does not know tariffs.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.serializers import TariffBriefSerializer
from billing.models import Tariff
from chargepoints.api.sites.extras import ExtraField, Shown, extra_field_register
from chargepoints.models import Connector, Location
from csms.api.fields import OcpiIdRelatedField

TARIFF_IDS_HELP = "Ids of the tariffs that apply at this connector (OCPI Connector.tariff_ids)."


@extend_schema_field(TariffBriefSerializer(many=True))
class LocationTariffsField(serializers.Field):
    """The tariffs that apply at the location's connectors, each once, by id."""

    def __init__(self, **kwargs):
        super().__init__(
            source="*",
            read_only=True,
            help_text="The tariffs that apply at the location's connectors.",
            **kwargs,
        )

    def to_representation(self, location: Location):
        # From the prefetched connectors: no query per location.
        tariffs = {}
        for chargepoint in location.chargepoints.all():
            for connector in chargepoint.connectors.all():
                for tariff in connector.tariff_ids.all():
                    tariffs.setdefault(tariff.pk, tariff)
        ordered = sorted(tariffs.values(), key=lambda tariff: tariff.pk)
        return TariffBriefSerializer(ordered, many=True, context=self.context).data


def connector_tariffs_set(connector: Connector, tariffs: list[Tariff]) -> None:
    connector.tariff_ids.set(tariffs)


def register() -> None:
    extra_field_register(
        ExtraField(
            name="tariff_ids",
            shown=Shown.PUBLIC_CONNECTOR,
            make=lambda: serializers.PrimaryKeyRelatedField(
                many=True, read_only=True, help_text=TARIFF_IDS_HELP
            ),
            connector_prefetch=("tariff_ids",),
        )
    )
    extra_field_register(
        ExtraField(
            name="tariff_ids",
            shown=Shown.CONNECTOR,
            make=lambda: OcpiIdRelatedField(
                many=True, queryset=Tariff.objects.all(), required=False, help_text=TARIFF_IDS_HELP
            ),
            connector_prefetch=("tariff_ids",),
            save=connector_tariffs_set,
        )
    )
    extra_field_register(
        ExtraField(
            name="tariffs",
            shown=Shown.LOCATION,
            make=LocationTariffsField,
            connector_prefetch=("tariff_ids__elements",),
        )
    )

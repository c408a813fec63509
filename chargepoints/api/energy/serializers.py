from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chargepoints.api import examples as ex
from chargepoints.api import help_texts as docs


@extend_schema_serializer(examples=ex.ENERGY)
class EnergySerializer(serializers.Serializer):
    """kWh delivered since local midnight, Monday, the 1st and 1 January."""

    day = serializers.FloatField()
    week = serializers.FloatField()
    month = serializers.FloatField()
    year = serializers.FloatField()
    timezone = serializers.CharField(help_text="The time zone the periods are counted in.")

    class Meta:
        help_texts = docs.ENERGY

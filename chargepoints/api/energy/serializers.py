from rest_framework import serializers


class EnergySerializer(serializers.Serializer):
    """kWh delivered since local midnight, Monday, the 1st and 1 January."""

    day = serializers.FloatField()
    week = serializers.FloatField()
    month = serializers.FloatField()
    year = serializers.FloatField()
    timezone = serializers.CharField(help_text="The time zone the periods are counted in.")

import re

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from billing.api.serializers import TariffSerializer
from billing.enums import TariffType
from billing.models import Tariff
from csms.api.filters import UpdatedAfterFilter

OCPI_ID = re.compile(r"[^/\x00-\x1f\x7f]{1,36}")


class TariffFilter(django_filters.FilterSet):
    currency = django_filters.CharFilter(
        method="filter_currency", help_text="ISO 4217 code, e.g. EUR (any case)."
    )
    type = django_filters.ChoiceFilter(choices=TariffType.choices)
    updated_after = UpdatedAfterFilter("last_updated")

    class Meta:
        model = Tariff
        fields = ["currency", "type"]

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency=value.upper())


@extend_schema_view(
    list=extend_schema(summary="Tariffs", responses={200: TariffSerializer(many=True)}),
    retrieve=extend_schema(summary="A tariff", responses={200: TariffSerializer}),
)
class TariffViewSet(viewsets.ReadOnlyModelViewSet):
    """Tariffs with their elements. Prices are public (OCPI 2.2.1 tariffs module), so no login."""

    queryset = Tariff.objects.prefetch_related("elements")
    serializer_class = TariffSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = TariffFilter
    ordering_fields = ["id", "currency", "type", "last_updated"]
    # Any segment reaches the view, so what cannot be an id gets a JSON 404.
    lookup_value_regex = "[^/]+"

    def get_object(self):
        # OCPI ids: at most 36 characters. A control character never reaches
        # the database (PostgreSQL refuses a NUL in text with an error).
        if not OCPI_ID.fullmatch(self.kwargs["pk"]):
            raise Http404
        return super().get_object()

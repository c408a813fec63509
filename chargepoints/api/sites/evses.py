"""QR lookup: GET /api/v1/evses/<evse_id>/, an EVSE by the id printed on the charger.

A QR code on a charger holds its printed (eMI3) EVSE id, as OCPI shows it.
The answer is what an app needs to offer a start there: the charge point,
its location, the EVSE's connectors with their public status, and where to
ask the price. Public data, as locations are: anonymous callers and drivers
see EVSEs at published locations, operators every one.
"""

from urllib.parse import quote

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from chargepoints.api import examples as ex
from chargepoints.api import help_texts as docs
from chargepoints.api.sites.serializers import CoordinatesSerializer, PublicConnectorSerializer
from chargepoints.api.sites.status_fields import CONFIRMED_HELP, EVSE_ID_HELP, STATUS_HELP
from chargepoints.enums import PublicStatus
from chargepoints.evse_ids import EVSE_ID_MAX_LENGTH, EvseIdAmbiguous, evse_find
from chargepoints.models import ChargePoint
from chargepoints.selectors import chargepoint_list
from chargepoints.status_selectors import evse_public_status
from csms.api.permissions import sees_all
from csms.api.problems import Conflict
from csms.api.schema import error_response

# What a typed id can hold before it is looked at: at most twice the printed
# length (separators people add), printable, no "/".
_MAX_TYPED = 2 * EVSE_ID_MAX_LENGTH


def price_path(chargepoint_id: str, connector_id: int) -> str:
    """The price preview of a connector (billing's route)."""
    return (
        f"/api/v1/charge-points/{quote(chargepoint_id, safe='')}/connectors/{connector_id}/price/"
    )


class EvseConnectorSerializer(PublicConnectorSerializer):
    price_url = serializers.SerializerMethodField(
        help_text="Where to ask what charging at this connector costs now (GET)."
    )

    class Meta(PublicConnectorSerializer.Meta):
        fields = [*PublicConnectorSerializer.Meta.fields, "price_url"]
        read_only_fields = fields

    def get_price_url(self, connector) -> str:
        return price_path(connector.chargepoint_id, connector.connectorid)


class EvseLocationSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 alpha-2 code.")
    coordinates = CoordinatesSerializer()
    time_zone = serializers.CharField(help_text='IANA name, e.g. "Europe/Berlin".')

    class Meta:
        help_texts = docs.EVSE_LOCATION


class EvseChargePointSerializer(serializers.Serializer):
    chargepoint_id = serializers.CharField()
    name = serializers.CharField()
    connected = serializers.BooleanField()
    max_power = serializers.FloatField(
        allow_null=True, help_text="The most power it delivers, in kW; null when not known."
    )

    class Meta:
        help_texts = docs.EVSE_CHARGEPOINT


@extend_schema_serializer(examples=ex.EVSE)
class EvseSerializer(serializers.Serializer):
    """An EVSE found by its printed id."""

    evse_id = serializers.CharField(help_text=EVSE_ID_HELP)
    status = serializers.ChoiceField(choices=PublicStatus.choices, help_text=STATUS_HELP)
    status_confirmed_at = serializers.DateTimeField(allow_null=True, help_text=CONFIRMED_HELP)
    chargepoint = EvseChargePointSerializer()
    location = EvseLocationSerializer(
        allow_null=True, help_text="Where it is; null for a charger not placed yet."
    )
    connectors = EvseConnectorSerializer(many=True)

    class Meta:
        help_texts = docs.EVSE


EVSE_ID_PARAMETER = OpenApiParameter(
    "evse_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=(
        'The printed EVSE id, URL-encoded ("DE%2ACSM%2AECP1%2A1" for "DE*CSM*ECP1*1"). '
        "Case does not matter; the * separators may be left out (ISO 15118-2 Annex H) and "
        "spaces or dashes are ignored."
    ),
)


class EvseLookupView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="An EVSE by its printed id (QR code)",
        parameters=[EVSE_ID_PARAMETER],
        responses={
            200: EvseSerializer,
            404: error_response(404, "No EVSE prints as this id (or not one you may see)."),
            409: error_response(
                409, "evse_id_ambiguous: typed without separators, it names several EVSEs."
            ),
        },
    )
    def get(self, request, evse_id: str):
        if len(evse_id) > _MAX_TYPED or not evse_id.isprintable() or "/" in evse_id:
            raise NotFound
        visible = chargepoint_list(published_only=not sees_all(request.user, ChargePoint))
        try:
            evse = evse_find(evse_id=evse_id, chargepoints=visible)
        except EvseIdAmbiguous as ambiguous:
            raise Conflict(
                _("This id names several EVSEs: type it with its * separators."),
                code="evse_id_ambiguous",
                candidates=ambiguous.candidates,
            ) from None
        if evse is None:
            raise NotFound(_("No EVSE has this id."))
        chargepoint = evse.chargepoint
        state = evse_public_status(chargepoint=chargepoint, connectors=evse.connectors)
        location = chargepoint.location
        body = {
            "evse_id": evse.evse_id,
            "status": state.status,
            "status_confirmed_at": state.confirmed_at,
            "chargepoint": chargepoint,
            "location": None
            if location is None
            else {
                "id": location.id,
                "name": location.name,
                "address": location.address,
                "city": location.city,
                "postal_code": location.postal_code,
                "country": location.country.code,
                "coordinates": location.coordinates,
                "time_zone": str(location.time_zone),
            },
            "connectors": evse.connectors,
        }
        return Response(EvseSerializer(body, context={"request": request}).data)

"""How the sites API is documented: operator-only fields, and the six operations alike.

The error answers come from ``csms.api.schema``; only the 409 of a refused
delete is the sites' own.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers

from csms.api.schema import error_response

DELETED = OpenApiResponse(None, description="Deleted.")
IN_USE = error_response(409, "Refused: transactions (billing records) refer to it.")
CHARGEPOINT_ID_PARAMETER = OpenApiParameter(
    "chargepoint_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description='The id the charger connects with, e.g. "DE*BMW*ETEST1234567890AB".',
)


class OperatorSerializer:
    """Marks an operator serializer; ``public_serializer`` names what the public get."""

    public_serializer: type[serializers.ModelSerializer]


class OperatorFieldsExtension(OpenApiSerializerExtension):
    """In responses, the fields only operators get are optional: the public see the rest.

    One schema then fits both answers. Without this every read-only field
    would be required, and a driver's answer would not match.
    """

    target_class = "chargepoints.api.sites.schema.OperatorSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "response":
            serializer_class = self.target if isinstance(self.target, type) else type(self.target)
            # Declared and registered fields (chargepoints.api.sites.extras) alike.
            public = set(serializer_class.public_serializer().fields)
            required = [name for name in schema.get("required", []) if name in public]
            if required:
                schema["required"] = required
            else:
                schema.pop("required", None)
        return schema


def crud_schema(*, name: str, serializer, detail_of: str = "", parameters=()):
    """The six operations of a resource, documented alike."""
    parameters = list(parameters)
    return extend_schema_view(
        list=extend_schema(
            summary=f"{name}s{detail_of}",
            parameters=parameters,
            responses={200: serializer(many=True)},
        ),
        retrieve=extend_schema(
            summary=f"A {name.lower()}",
            parameters=parameters,
            responses={200: serializer},
        ),
        create=extend_schema(
            summary=f"Create a {name.lower()} (operators)",
            parameters=parameters,
            responses={201: serializer},
        ),
        update=extend_schema(
            summary=f"Replace a {name.lower()} (operators)",
            parameters=parameters,
            responses={200: serializer},
        ),
        partial_update=extend_schema(
            summary=f"Change a {name.lower()} (operators)",
            parameters=parameters,
            responses={200: serializer},
        ),
        destroy=extend_schema(
            summary=f"Delete a {name.lower()} (operators)",
            parameters=parameters,
            responses={204: DELETED, 409: IN_USE},
        ),
    )

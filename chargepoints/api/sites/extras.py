"""Fields other apps add to the sites API, which does not know them.

Billing owns which tariffs apply at a connector and shows them here: a
connector's ``tariff_ids`` (OCPI Connector.tariff_ids, writable by operators)
and the ``tariffs`` of a location. It registers them when Django starts
(``billing.apps``; docs/architecture.md, "Interfaces filled from above").
The serializers add the registered fields in ``get_fields``, so answers, input
and the OpenAPI schema show them as if declared here.
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from chargepoints.models import Connector


class Shown(enum.StrEnum):
    PUBLIC_CONNECTOR = "public connector"
    CONNECTOR = "connector"
    LOCATION = "location"


@dataclass(frozen=True)
class ExtraField:
    name: str
    shown: Shown
    # A new field instance for each serializer instance (DRF binds fields to one).
    make: Callable[[], serializers.Field]
    # Lookups from a connector that showing the field needs, fetched with the
    # list so that it costs no query per row (e.g. "tariff_ids").
    connector_prefetch: tuple[str, ...] = ()
    # For a writable connector field: store its validated value once the
    # connector is saved, in the same database transaction.
    save: Callable[[Connector, Any], None] | None = None


_registered: list[ExtraField] = []


def extra_field_register(field: ExtraField) -> None:
    """Add ``field`` to the serializers it is shown in; registering it again replaces it."""
    _registered[:] = [
        known for known in _registered if (known.name, known.shown) != (field.name, field.shown)
    ]
    _registered.append(field)


def extra_fields(shown: Shown) -> list[ExtraField]:
    return [field for field in _registered if field.shown == shown]


class WithExtraFields:
    """Serializer mixin: the fields registered for ``extra_shown`` join the declared ones."""

    extra_shown: Shown

    def get_fields(self):
        fields = super().get_fields()
        for extra in extra_fields(self.extra_shown):
            fields[extra.name] = extra.make()
        return fields


def connector_extras_split(validated: dict) -> tuple[dict, dict]:
    """A connector's validated fields, and apart from them the values of registered fields."""
    fields = dict(validated)
    extras = {
        extra.name: fields.pop(extra.name)
        for extra in extra_fields(Shown.CONNECTOR)
        if extra.name in fields
    }
    return fields, extras


def connector_extras_save(*, connector: Connector, extras: dict) -> None:
    for extra in extra_fields(Shown.CONNECTOR):
        if extra.name in extras and extra.save is not None:
            extra.save(connector, extras[extra.name])


def with_connector_extras(
    queryset: QuerySet, *, shown: Iterable[Shown], path: str = ""
) -> QuerySet:
    """``queryset`` fetching what the fields registered for ``shown`` read.

    ``path`` leads from the queryset's rows to their connectors.
    """
    shown = set(shown)
    lookups = {
        f"{path}{lookup}"
        for extra in _registered
        if extra.shown in shown
        for lookup in extra.connector_prefetch
    }
    return queryset.prefetch_related(*sorted(lookups)) if lookups else queryset

"""What the site resources share: the stored row as it was, found by its primary key."""

import copy

from chargepoints.models import ChargePoint, Location
from csms.imports.columns import as_text
from csms.imports.resources import ImportResource


class SiteResource(ImportResource):
    """Keeps each stored row as it was, for the services (they compare before and after)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stored: dict[str, ChargePoint | Location] = {}

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            self.stored[instance.pk] = copy.copy(instance)

    # What the rows show of their relations, loaded with them (the preview's diff reads it).
    related: tuple[str, ...] = ()

    def instances_by_key(self, keys):
        rows = self._meta.model.objects.filter(pk__in=keys).select_related(*self.related)
        return {row.pk: row for row in rows}

    def row_key(self, row):
        return as_text(row.get(self.key_column)) or None

"""Charge points and locations in import and export files (manage.py and the admin).

One definition of the columns and their rules, for the import commands
(import_chargepoints, import_locations) and the admin's import and export.
Rows are written through the sites services (chargepoints.services.sites),
which validate them as the admin and the API do.
"""

from chargepoints.resources.locations import LocationResource
from chargepoints.resources.stations import ChargePointResource

__all__ = ["ChargePointResource", "LocationResource"]

"""``manage.py import_locations FILE [--dry-run] [--skip-invalid]``: locations from a file."""

from chargepoints.resources import LocationResource
from csms.imports.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "Import locations from a CSV, JSON or Excel file (columns: id, name, address, city, "
        "country, latitude, longitude, parking_type; optional postal_code, state, time_zone, "
        "publish, country_code, party_id, substation_id), or a JSON list of OCPI 2.2.1 Location "
        "objects. Locations are updated by id. Every line is checked first: if any is refused, "
        "nothing is written unless --skip-invalid; the exit status is 1 when a line is refused."
    )
    resource_class = LocationResource
    what = "locations"

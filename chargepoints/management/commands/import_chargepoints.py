"""``manage.py import_chargepoints FILE [--dry-run] [--skip-invalid]``: charge points."""

from chargepoints.resources import ChargePointResource
from csms.imports.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "Import charge points from a CSV, JSON or Excel file (columns: chargepoint_id, name; "
        "optional location, vendor, model, connectors, security_profile, password). Charge "
        "points are updated by chargepoint_id. Every line is checked first: if any is refused, "
        "nothing is written unless --skip-invalid; the exit status is 1 when a line is refused."
    )
    resource_class = ChargePointResource
    what = "charge points"

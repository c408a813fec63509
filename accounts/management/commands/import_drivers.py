"""``manage.py import_drivers FILE [--dry-run] [--skip-invalid]``: drivers from a file."""

from accounts.resources import DriverResource
from csms.imports.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "Import drivers from a CSV, JSON or Excel file (columns: phone_number; optional name, "
        "email). Drivers are updated by phone number; a new one logs in once they have set a "
        "password. Every line is checked first: if any is refused, nothing is written unless "
        "--skip-invalid; the exit status is 1 when a line is refused."
    )
    resource_class = DriverResource
    what = "drivers"

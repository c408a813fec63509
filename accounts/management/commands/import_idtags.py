"""``manage.py import_idtags FILE [--dry-run] [--skip-invalid]``: id tags from a file."""

from accounts.resources import IdTagResource
from csms.imports.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "Import id tags (RFID cards, key fobs) from a CSV, JSON or Excel file (columns: "
        "id_token; optional type, phone_number of the owner, expiry_date, blocked). Tags are "
        "updated by id_token, in any letter case. Every line is checked first: if any is "
        "refused, nothing is written unless --skip-invalid; the exit status is 1 when a line "
        "is refused."
    )
    resource_class = IdTagResource
    what = "id tags"

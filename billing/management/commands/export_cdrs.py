"""``manage.py export_cdrs --from DATE --to DATE [--format csv|json] [--output FILE]``."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from billing.services.exports import cdrs_ended_between, cdrs_export, day_start


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Export the CDRs of sessions that ended from --from to --to (both days included, "
        "in TIME_ZONE) for accounting, as CSV (one row per CDR, credits as their own rows "
        "with negative totals) or JSON, to standard output or --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, metavar="DATE")
        parser.add_argument("--to", dest="last", required=True, metavar="DATE")
        parser.add_argument("--format", dest="form", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", metavar="FILE", help="Write here instead of stdout.")

    def handle(self, *args, first: str, last: str, form: str, output: str | None, **options):
        first_day, last_day = _date(first), _date(last)
        if last_day < first_day:
            raise CommandError(f"--to {last} is before --from {first}.")
        cdrs = cdrs_ended_between(
            start=day_start(first_day), end=day_start(last_day + datetime.timedelta(days=1))
        )
        if output is None:
            self.stdout.ending = ""  # the export writes its own line ends
            written = cdrs_export(cdrs=cdrs, form=form, out=self.stdout)
        else:
            with open(output, "w", encoding="utf-8", newline="") as out:
                written = cdrs_export(cdrs=cdrs, form=form, out=out)
        self.stderr.write(f"{written} CDRs exported ({first} to {last}, {form}).")

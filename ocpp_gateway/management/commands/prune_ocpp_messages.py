from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocpp_gateway.services import messages_prune


class Command(BaseCommand):
    help = (
        "Delete OCPP message log entries older than the retention period "
        "(CSMS_MESSAGE_RETENTION_DAYS, default 90). Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days instead of CSMS_MESSAGE_RETENTION_DAYS.",
        )

    def handle(self, *args, **options):
        days = (
            options["days"] if options["days"] is not None else settings.CSMS_MESSAGE_RETENTION_DAYS
        )
        if days < 1:
            raise CommandError("--days must be at least 1.")
        deleted = messages_prune(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} OCPP message(s) older than {days} day(s).")

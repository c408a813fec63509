"""``manage.py ocpi_push [--loop]``: queue what changed for partners, send what is due."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from billing.enums import PushStatus
from billing.models import OcpiPush
from billing.ocpi.push_cycle import ocpi_push_cycle


class Command(BaseCommand):
    help = (
        "Run one push cycle to OCPI partners (sessions, CDRs, EVSE statuses, tariffs, "
        "command results: queue what changed, then send the pushes due), or with --loop "
        "every CSMS_OCPI_PUSH_INTERVAL seconds until interrupted. The server processes "
        "do the same by themselves; this is for a server run with pushing switched off "
        "(CSMS_OCPI_PUSH_INTERVAL=0), or to push now."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Run until interrupted.")

    def handle(self, *args, loop: bool, **options):
        interval = settings.CSMS_OCPI_PUSH_INTERVAL if settings.CSMS_OCPI_PUSH_INTERVAL > 0 else 2
        while True:
            ocpi_push_cycle()
            counts = {
                status: OcpiPush.objects.filter(status=status).count()
                for status in (PushStatus.PENDING, PushStatus.FAILED)
            }
            pending, failed = counts[PushStatus.PENDING], counts[PushStatus.FAILED]
            self.stdout.write(f"Pushes pending: {pending}, failed: {failed}.")
            if not loop:
                return
            time.sleep(interval)

from django.core.management.base import BaseCommand

from chargepoints.services.expiry import charging_requests_expire


class Command(BaseCommand):
    help = (
        "End driver sessions whose charger never started (or refused) and reservations past "
        "their expiry. The server does this every CSMS_EXPIRY_INTERVAL seconds by itself; "
        "run this where no server runs, e.g. from cron."
    )

    def handle(self, *args, **options):
        charging_requests_expire()
        self.stdout.write("Expired sessions and reservations are settled.")

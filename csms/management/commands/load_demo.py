import os

from django.core.management.base import BaseCommand
from django.db import transaction

from billing.demo import demo_tariffs_load
from chargepoints.demo import OPERATOR_USERNAME, demo_data_load


class Command(BaseCommand):
    help = (
        "Load the demo data set (a location, an OCPP 1.6 and an OCPP 2.0.1 charge point, "
        "id tags, a tariff, an operator account). Safe to run again. The operator's "
        "password comes from CSMS_ADMIN_PASSWORD, or is generated and printed once."
    )

    # An entry point: it wires the charging network and its prices together,
    # as csms/urls.py wires the apps' endpoints (docs/architecture.md).
    @transaction.atomic
    def handle(self, *args, **options):
        result = demo_data_load(operator_password=os.environ.get("CSMS_ADMIN_PASSWORD"))
        demo_tariffs_load(new_connectors=result.connectors_created)
        self.stdout.write("Demo data loaded.")
        if result.generated_password:
            self.stdout.write(
                self.style.WARNING(
                    f"Operator account created: username {OPERATOR_USERNAME!r}, "
                    f"password {result.generated_password!r}. It is shown only this once."
                )
            )
        elif result.operator_created:
            self.stdout.write(
                f"Operator account {OPERATOR_USERNAME!r} created with CSMS_ADMIN_PASSWORD."
            )
        else:
            self.stdout.write(f"Operator account {OPERATOR_USERNAME!r} exists; password unchanged.")

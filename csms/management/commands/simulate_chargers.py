import asyncio
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from billing.models import Tariff
from billing.services.tariffs import tariff_connectors_add
from chargepoints.models import Location
from chargepoints.services.connectors import ConnectorRef, connector_get_or_create
from chargepoints.services.sites import chargepoints_register
from ocpp_gateway.simulator import SUBPROTOCOLS, Options, simulate


class Command(BaseCommand):
    help = (
        "Run N simulated chargers against a CSMS: they boot, report status, authorize, "
        "charge with meter values and stop, in a loop, then print a summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="ws://127.0.0.1:9000/ocpp")
        parser.add_argument("--count", type=int, default=5)
        parser.add_argument("--ocpp", choices=sorted(SUBPROTOCOLS), default="1.6")
        parser.add_argument("--duration", type=float, default=60.0, help="seconds")
        parser.add_argument(
            "--sessions",
            type=int,
            default=None,
            help="charge this many times per charger, then stop; the run ends when every "
            "charger has (at the latest after --duration)",
        )
        parser.add_argument(
            "--ramp",
            type=float,
            default=5.0,
            help="seconds over which the chargers connect, as a fleet coming back online "
            "would (0: all at once)",
        )
        parser.add_argument("--prefix", default="SIM", help="charge point ids are PREFIX-0001...")
        parser.add_argument("--id-tag", default="DEMO-RFID-0001")
        parser.add_argument("--meter-interval", type=float, default=2.0, help="seconds")
        parser.add_argument("--password", default=None, help="HTTP Basic password")
        parser.add_argument(
            "--no-register",
            action="store_true",
            help="Do not create the charge points in this database first "
            "(for a remote CSMS, which must know them or auto-register).",
        )
        parser.add_argument(
            "--remote",
            action="store_true",
            help="Do not charge by themselves: start and stop sessions on remote "
            "start/stop commands from the CSMS.",
        )
        parser.add_argument(
            "--location", default=None, help="place the chargers it registers at this location id"
        )
        parser.add_argument(
            "--tariff",
            default=None,
            help="price the connector of the chargers it registers with this tariff id",
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options):
        if options["count"] < 1:
            raise CommandError("--count must be at least 1.")
        if options["ramp"] < 0:
            raise CommandError("--ramp must not be negative.")
        if options["sessions"] is not None and options["sessions"] < 1:
            raise CommandError("--sessions must be at least 1.")
        if options["sessions"] is not None and options["remote"]:
            raise CommandError(
                "--sessions and --remote exclude each other: remote chargers charge when told to."
            )
        ids = [f"{options['prefix']}-{n:04d}" for n in range(1, options["count"] + 1)]
        if not options["no_register"]:
            self._register(ids, location_id=options["location"], tariff_id=options["tariff"])
        run = Options(
            url=options["url"],
            version=options["ocpp"],
            duration=options["duration"],
            meter_interval=options["meter_interval"],
            id_tag=options["id_tag"],
            password=options["password"],
            remote=options["remote"],
            sessions=options["sessions"],
        )
        self.stdout.write(
            f"{len(ids)} OCPP {run.version} charger(s) -> {run.url} for {run.duration:g} s"
        )
        stats = asyncio.run(
            simulate(
                chargepoint_ids=ids,
                options=run,
                progress=self.stdout.write,
                ramp_seconds=options["ramp"],
            )
        )
        summary = stats.summary()
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write("Summary: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
            for sample in stats.error_samples:
                self.stdout.write(f"  error: {sample}")
        if stats.errors:
            raise CommandError(f"{stats.errors} error(s)")

    # An entry point: it registers the chargers with the charging domain,
    # prices them with billing and runs the gateway's simulated chargers
    # (docs/architecture.md). It keeps no state of its own in the database.
    @transaction.atomic
    def _register(self, ids: list[str], *, location_id: str | None, tariff_id: str | None):
        # The gateway refuses unknown chargers unless CSMS_AUTO_REGISTER is set.
        location = tariff = None
        if location_id is not None:
            location = Location.objects.filter(pk=location_id).first()
            if location is None:
                raise CommandError(f"No location {location_id}.")
        if tariff_id is not None:
            tariff = Tariff.objects.filter(pk=tariff_id).first()
            if tariff is None:
                raise CommandError(f"No tariff {tariff_id}.")
        chargepoints = chargepoints_register(
            ids=ids, location=location, name="Simulated charger {id}"
        )
        if tariff is not None:
            # The simulated chargers charge on connector 1 (EVSE 1 in OCPP 2.0.1).
            first = ConnectorRef(evse_id=1, evse_connector_id=1)
            connectors = [
                connector_get_or_create(chargepoint=chargepoint, ref=first)
                for chargepoint in chargepoints
            ]
            tariff_connectors_add(tariff=tariff, connectors=connectors)

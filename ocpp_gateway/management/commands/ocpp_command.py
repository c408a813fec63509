import json

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chargepoints.api.commands.serializers import CommandSerializer
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.management.server_api import (
    chargepoint_api_path,
    field_problems,
    operator_named,
    server_api_post,
)
from chargepoints.models import ChargePoint
from chargepoints.services.commands import command_request

REFUSED = "Invalid command"


class Command(BaseCommand):
    help = (
        "Send a command to a charge point and print its answer, e.g. "
        "`ocpp_command CP-1 remote_start --param connector_id=1 --param id_tag=ABC123`. "
        f"Commands: {', '.join(CommandName.values)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("chargepoint_id")
        parser.add_argument("command", choices=CommandName.values, metavar="command")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="A parameter; repeat for several. Lists: a,b,c or a JSON array.",
        )
        parser.add_argument(
            "--user",
            help="The operator (user name or phone number) the command is recorded for. "
            "Required with the in-memory channel layer, where the command goes through "
            "the running server's REST API.",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            help="Seconds to wait for the answer (default: CSMS_COMMAND_TIMEOUT plus 5). "
            "Through the API (in-memory layer) the server waits CSMS_COMMAND_WAIT instead.",
        )

    def handle(self, *args, **options):
        params = {}
        for item in options["param"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"--param {item!r}: expected KEY=VALUE.")
            params[key.strip()] = value
        user = self._user(options["user"])
        wait = options["wait"]
        if wait is None:
            wait = settings.CSMS_COMMAND_TIMEOUT + 5
        if not ChargePoint.objects.filter(pk=options["chargepoint_id"]).exists():
            raise CommandError(f"Unknown charge point {options['chargepoint_id']!r}.")
        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            record = self._through_api(options["chargepoint_id"], options["command"], params, user)
        else:
            record = self._through_layer(
                options["chargepoint_id"], options["command"], params, user, wait
            )
        self.stdout.write(json.dumps(record, indent=2, default=str))
        if record["status"].lower() not in (CommandStatus.ACCEPTED, CommandStatus.PENDING, "sent"):
            raise CommandError(f"{record['command']}: {record['status']}")

    def _user(self, name: str | None):
        if name is None:
            return None
        # As in the API and the admin: acting on a charger is changing it (staff or not).
        return operator_named(
            name,
            right="chargepoints.change_chargepoint",
            refused="(a user allowed to change charge points).",
        )

    def _through_layer(self, chargepoint_id, name, params, user, wait) -> dict:
        try:
            command = command_request(
                chargepoint_id=chargepoint_id,
                name=name,
                params=params,
                source=CommandSource.CLI,
                requested_by=user,
                wait=wait,
            )
        except CommandInvalid as error:
            raise CommandError(field_problems(REFUSED, error.errors)) from None
        return CommandSerializer(command).data

    def _through_api(self, chargepoint_id, name, params, user) -> dict:
        # The in-memory layer lives inside the server process, so only the
        # server can reach its chargers: ask it, as this operator, over HTTP.
        if user is None:
            raise CommandError(
                "With the in-memory channel layer (no REDIS_URL) the command goes through "
                "the running server's API: name the operator with --user."
            )
        return server_api_post(
            user=user,
            path=chargepoint_api_path(chargepoint_id, "commands"),
            body={"command": name, **params},
            refused=REFUSED,
        )

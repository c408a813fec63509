import json

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chargepoints.api.commands.serializers import CommandSerializer
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandSource, CommandStatus
from chargepoints.management.server_api import (
    chargepoint_api_path,
    field_problems,
    operator_named,
    server_api_post,
)
from chargepoints.models import ChargePoint
from chargepoints.services.passwords import chargepoint_password_rotate

RIGHT = "chargepoints.rotate_password"
REFUSED = "Cannot rotate the password"


class Command(BaseCommand):
    help = (
        "Give a charger a new password, made by the CSMS: sent to the charger and stored "
        "as its credential once the charger accepts it (the old one stays otherwise). "
        "The password is never printed. E.g. `rotate_charger_password CP-1 --user ops`."
    )

    def add_arguments(self, parser):
        parser.add_argument("chargepoint_id")
        parser.add_argument(
            "--user",
            required=True,
            help="The operator (user name or phone number) who rotates it: a user holding "
            f"{RIGHT}. With the in-memory channel layer the rotation goes through the "
            "running server's REST API as this user.",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            help="Seconds to wait for the charger's answer (default: CSMS_COMMAND_TIMEOUT "
            "plus 5). Through the API (in-memory layer) the server waits CSMS_COMMAND_WAIT.",
        )

    def handle(self, *args, **options):
        chargepoint_id = options["chargepoint_id"]
        user = self._user(options["user"])
        if not ChargePoint.objects.filter(pk=chargepoint_id).exists():
            raise CommandError(f"Unknown charge point {chargepoint_id!r}.")
        wait = options["wait"]
        if wait is None:
            wait = settings.CSMS_COMMAND_TIMEOUT + 5
        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            # The in-memory layer lives inside the server process: only the
            # server reaches its chargers, so ask it, as this operator.
            record = _through_api(chargepoint_id, user)
        else:
            try:
                command = chargepoint_password_rotate(
                    chargepoint_id=chargepoint_id,
                    source=CommandSource.CLI,
                    requested_by=user,
                    wait=wait,
                )
            except CommandInvalid as error:
                raise CommandError(field_problems(REFUSED, error.errors)) from None
            record = CommandSerializer(command).data
        self.stdout.write(json.dumps(record, indent=2, default=str))
        if record["status"].lower() not in (CommandStatus.ACCEPTED, CommandStatus.PENDING, "sent"):
            raise CommandError(
                f"{record['command']}: {record['status']}; the charger keeps its old password."
            )

    def _user(self, name: str):
        return operator_named(name, right=RIGHT, refused="allowed to rotate passwords.")


def _through_api(chargepoint_id: str, user) -> dict:
    return server_api_post(
        user=user,
        path=chargepoint_api_path(chargepoint_id, "rotate-password"),
        body=None,
        refused=REFUSED,
    )

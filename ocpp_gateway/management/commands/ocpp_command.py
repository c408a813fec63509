import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.services import auth_token_issue, auth_token_revoke
from chargepoints.api.commands.serializers import CommandSerializer
from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import ChargePoint
from chargepoints.services.commands import command_request


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
        if record["status"] not in (CommandStatus.ACCEPTED, CommandStatus.PENDING, "sent"):
            raise CommandError(f"{record['command']}: {record['status']}")

    def _user(self, name: str | None):
        if name is None:
            return None
        user = get_user_model().objects.filter(Q(username=name) | Q(phone_number=name)).first()
        # As in the API and the admin: acting on a charger is changing it (staff or not).
        if user is None or not user.has_perm("chargepoints.change_chargepoint"):
            raise CommandError(
                f"No operator account {name!r} (a user allowed to change charge points)."
            )
        return user

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
            raise CommandError(_problems(error.errors)) from None
        return CommandSerializer(command).data

    def _through_api(self, chargepoint_id, name, params, user) -> dict:
        # The in-memory layer lives inside the server process, so only the
        # server can reach its chargers: ask it, as this operator, over HTTP.
        if user is None:
            raise CommandError(
                "With the in-memory channel layer (no REDIS_URL) the command goes through "
                "the running server's API: name the operator with --user."
            )
        # A token of its own for this one call, revoked right after it (on
        # Ctrl-C too): the operator's other devices keep theirs.
        record, token = auth_token_issue(user=user)
        try:
            return _post(chargepoint_id, {"command": name, **params}, token)
        finally:
            auth_token_revoke(token=record)


def _post(chargepoint_id: str, body: dict, token: str) -> dict:
    tls = bool(settings.CSMS_TLS_CERT)
    host = settings.CSMS_HOST if settings.CSMS_HOST not in ("0.0.0.0", "::") else "127.0.0.1"
    path = f"/api/v1/charge-points/{urllib.parse.quote(chargepoint_id, safe='')}/commands/"
    url = f"{'https' if tls else 'http'}://{host}:{settings.CSMS_PORT}{path}"
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    context = None
    if tls:
        # Our own server, by the certificate it serves, whatever name it has.
        context = ssl.create_default_context(cafile=settings.CSMS_TLS_CERT)
        context.check_hostname = False
    try:
        with urllib.request.urlopen(
            request, timeout=settings.CSMS_COMMAND_WAIT + 30, context=context
        ) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        if error.code == 400:
            raise CommandError(_problems(json.loads(detail))) from None
        raise CommandError(f"The server answered {error.code}: {detail[:500]}") from None
    except urllib.error.URLError as error:
        raise CommandError(f"Cannot reach the server at {url}: {error.reason}") from None


def _problems(errors: dict) -> str:
    return "Invalid command: " + "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in errors.items()
    )

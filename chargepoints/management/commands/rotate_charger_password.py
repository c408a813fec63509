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
from chargepoints.enums import CommandSource, CommandStatus
from chargepoints.models import ChargePoint
from chargepoints.services.passwords import chargepoint_password_rotate

RIGHT = "chargepoints.rotate_password"


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
                raise CommandError(_problems(error.errors)) from None
            record = CommandSerializer(command).data
        self.stdout.write(json.dumps(record, indent=2, default=str))
        if record["status"] not in (CommandStatus.ACCEPTED, CommandStatus.PENDING, "sent"):
            raise CommandError(
                f"{record['command']}: {record['status']}; the charger keeps its old password."
            )

    def _user(self, name: str):
        user = get_user_model().objects.filter(Q(username=name) | Q(phone_number=name)).first()
        if user is None or not user.is_active or not user.has_perm(RIGHT):
            raise CommandError(f"No operator account {name!r} allowed to rotate passwords.")
        return user


def _through_api(chargepoint_id: str, user) -> dict:
    # A token of its own for this one call, revoked right after it (on Ctrl-C
    # too), as ocpp_command does: the operator's other devices keep theirs.
    record, token = auth_token_issue(user=user)
    try:
        return _post(chargepoint_id, token)
    finally:
        auth_token_revoke(token=record)


def _post(chargepoint_id: str, token: str) -> dict:
    tls = bool(settings.CSMS_TLS_CERT)
    host = settings.CSMS_HOST if settings.CSMS_HOST not in ("0.0.0.0", "::") else "127.0.0.1"
    path = f"/api/v1/charge-points/{urllib.parse.quote(chargepoint_id, safe='')}/rotate-password/"
    url = f"{'https' if tls else 'http'}://{host}:{settings.CSMS_PORT}{path}"
    request = urllib.request.Request(
        url, data=b"", headers={"Authorization": f"Token {token}"}, method="POST"
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
    return "Cannot rotate the password: " + "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in errors.items()
    )

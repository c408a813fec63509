"""Secrets that travel in a command (a charger's new password): masked wherever they are kept.

A command's record is what the connection holding the charger sends from,
in whichever server process, so a secret parameter sits in ``params`` and
``request`` while the command is in flight. Nothing else ever shows it:
the message log and the API and admin views get a masked copy
(``command_redacted``), and once the command has finished the record itself
keeps only the mask (``command_secrets_forget``, called by command_finish;
``command_secrets_sweep`` catches commands some other path ended).
"""

from chargepoints.enums import COMMAND_FINAL_STATUSES, CommandName
from chargepoints.models import Command

REDACTED = "********"
# Command -> its parameters that are secrets.
SECRET_PARAMS: dict[str, tuple[str, ...]] = {CommandName.SET_PASSWORD: ("password",)}


def _secret_forms(command: Command) -> list[str]:
    """The secret values of the command as they may appear in a payload.

    A protocol may carry a password as the hexadecimal digits of its bytes
    (ocpp_gateway/v16/commands.py), so those are masked too. Longest first,
    so that no part of a longer form is left showing.
    """
    forms = set()
    for key in SECRET_PARAMS.get(command.name, ()):
        value = (command.params or {}).get(key)
        if isinstance(value, str) and value and value != REDACTED:
            digits = value.encode().hex()
            forms |= {value, digits, digits.upper()}
    return sorted(forms, key=len, reverse=True)


def _masked(value, forms: list[str]):
    if isinstance(value, str):
        for form in forms:
            value = value.replace(form, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _masked(item, forms) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, forms) for item in value]
    return value


def command_redacted(*, command: Command, payload):
    """``payload`` (a request, an answer, a log entry) with the command's secrets masked."""
    forms = _secret_forms(command)
    return _masked(payload, forms) if forms else payload


def command_params_redacted(command: Command) -> dict:
    """The command's parameters with its secret ones masked."""
    secret = SECRET_PARAMS.get(command.name, ())
    params = command.params or {}
    return {key: REDACTED if key in secret else value for key, value in params.items()}


def command_secrets_forget(*, command: Command) -> None:
    """Mask a finished command's secrets in its record (a command in flight still needs them)."""
    if command.status not in COMMAND_FINAL_STATUSES:
        return
    forms = _secret_forms(command)
    if not forms:
        return
    command.request = _masked(command.request, forms)
    command.response = _masked(command.response, forms)
    command.params = command_params_redacted(command)
    command.save(update_fields=["params", "request", "response"])


def command_secrets_sweep(*, chargepoint_id: str | None = None) -> int:
    """Mask the secrets of finished commands that still hold them; return how many.

    For commands that ended by some other path than command_finish (given up
    on as offline before any connection took them, expired with a dead
    server process).
    """
    # The one secret parameter there is, masked already: nothing to do.
    commands = Command.objects.filter(
        name__in=list(SECRET_PARAMS), status__in=list(COMMAND_FINAL_STATUSES)
    ).exclude(params__password=REDACTED)
    if chargepoint_id is not None:
        commands = commands.filter(chargepoint_id=chargepoint_id)
    forgotten = 0
    for command in commands.only("id", "name", "status", "params", "request", "response"):
        if _secret_forms(command):
            command_secrets_forget(command=command)
            forgotten += 1
    return forgotten

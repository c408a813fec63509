"""Secrets that travel in a command (a charger's new password): masked wherever they are kept.

A command's record is what the connection holding the charger sends from,
in whichever server process, so a secret parameter sits in ``params`` and
``request`` while the command is in flight. Nothing else ever shows it:
the message log and the API and admin views get a masked copy
(``command_redacted``), and once the command has finished the record itself
keeps only the mask (``command_secrets_forget``, called by command_finish;
``command_secrets_sweep`` catches commands some other path ended, and
``command_secrets_expire`` those no one will end).

A charger may echo the secret back (in an answer's text, a CALLERROR's
description or details): answers are masked as the request is. One that
comes after the command was masked (a late answer) can no longer be searched
for the password itself, so there every stretch of text that could be a
password the CSMS made is masked.
"""

import datetime
import re

from django.conf import settings
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from chargepoints.enums import COMMAND_FINAL_STATUSES, CommandName, CommandStatus
from chargepoints.models import Command

REDACTED = "********"
# Command -> its parameters that are secrets.
SECRET_PARAMS: dict[str, tuple[str, ...]] = {CommandName.SET_PASSWORD: ("password",)}
# Kept with a masked command, shown to no one: not the secret, but nobody's business.
HIDDEN_PARAMS: dict[str, tuple[str, ...]] = {CommandName.SET_PASSWORD: ("password_hash",)}
# A command holding its secret this long after it was made is not in flight
# any more, whatever its record says (a server process that crashed with
# CSMS_PROCESS_HEARTBEAT_INTERVAL=0 has no one to end its commands): beyond
# CSMS_COMMAND_WAIT to be taken and CSMS_COMMAND_TIMEOUT to be answered.
IN_FLIGHT_MARGIN = datetime.timedelta(seconds=60)
_IN_FLIGHT = (CommandStatus.PENDING, CommandStatus.SENT)
# The condition of the partial index "command_in_flight" (Command.Meta) with
# its constants: SQLite uses a partial index only for a query that repeats
# its condition so, never with bound parameters.
_IN_FLIGHT_INDEXED = RawSQL(
    '"chargepoints_command"."status" IN ({})'.format(", ".join(f"'{s}'" for s in _IN_FLIGHT)),
    (),
    output_field=BooleanField(),
)
# What could be a password the CSMS made (chargepoints.services.passwords:
# 20 letters and digits, at least one digit), or the hexadecimal digits of
# one: a run of 16 or more letters and digits with a digit in it. OCPP's own
# names (statuses, error codes, component and variable names) hardly ever
# have a digit, and are kept.
_MAYBE_PASSWORD = re.compile(r"[A-Za-z0-9]{16,}")


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


def _unseen(match: re.Match) -> str:
    text = match.group()
    return REDACTED if any(character.isdigit() for character in text) else text


def _masked_unseen(value):
    """Every stretch of text that could be a password masked: the password itself is gone."""
    if isinstance(value, str):
        return _MAYBE_PASSWORD.sub(_unseen, value)
    if isinstance(value, dict):
        return {key: _masked_unseen(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked_unseen(item) for item in value]
    return value


def command_redacted(*, command: Command, payload):
    """``payload`` (a request, an answer, a log entry) with the command's secrets masked.

    A command whose secret is masked already (an answer that came late) has
    whatever could be it masked.
    """
    forms = _secret_forms(command)
    if forms:
        return _masked(payload, forms)
    if command.name in SECRET_PARAMS:
        return _masked_unseen(payload)
    return payload


def command_params_redacted(command: Command) -> dict:
    """The command's parameters as anyone is shown them: secrets masked, hidden ones left out."""
    secret = SECRET_PARAMS.get(command.name, ())
    hidden = HIDDEN_PARAMS.get(command.name, ())
    params = command.params or {}
    return {
        key: REDACTED if key in secret else value
        for key, value in params.items()
        if key not in hidden
    }


def _params_masked(command: Command) -> dict:
    # What the record keeps: the secrets masked, the hash kept.
    secret = SECRET_PARAMS.get(command.name, ())
    return {key: REDACTED if key in secret else value for key, value in command.params.items()}


def command_secrets_forget(*, command: Command) -> None:
    """Mask a finished command's secrets in its record (a command in flight still needs them)."""
    if command.status not in COMMAND_FINAL_STATUSES:
        return
    forms = _secret_forms(command)
    if not forms:
        return
    command.request = _masked(command.request, forms)
    command.response = _masked(command.response, forms)
    # A charger may echo it in a CALLERROR, stored as the command's error.
    command.error_code = _masked(command.error_code, forms)
    command.error_description = _masked(command.error_description, forms)
    command.params = _params_masked(command)
    command.save(update_fields=["params", "request", "response", "error_code", "error_description"])


def _holding_secrets():
    # The one secret parameter there is, masked already: nothing to do.
    return Command.objects.filter(name__in=list(SECRET_PARAMS)).exclude(params__password=REDACTED)


def _forget(commands) -> int:
    forgotten = 0
    fields = ("id", "name", "status", "params", "request", "response")
    for command in commands.only(*fields, "error_code", "error_description"):
        if _secret_forms(command):
            command_secrets_forget(command=command)
            forgotten += 1
    return forgotten


def command_secrets_sweep(*, chargepoint_id: str | None = None) -> int:
    """Mask the secrets of finished commands that still hold them; return how many.

    For commands that ended by some other path than command_finish (given up
    on as offline before any connection took them, expired with a dead
    server process), and those left in flight too long
    (``command_secrets_expire``).
    """
    commands = _holding_secrets().filter(status__in=list(COMMAND_FINAL_STATUSES))
    if chargepoint_id is not None:
        commands = commands.filter(chargepoint_id=chargepoint_id)
    return _forget(commands) + command_secrets_expire(chargepoint_id=chargepoint_id)


def command_secrets_expire(
    *, chargepoint_id: str | None = None, now: datetime.datetime | None = None
) -> int:
    """End and mask commands that still hold a secret long after they could be answered.

    A server process that crashed mid-rotation leaves its command ``sent``
    (or ``pending``) for ever when no heartbeat sweep ends it
    (CSMS_PROCESS_HEARTBEAT_INTERVAL=0), with the password in it. Past
    CSMS_COMMAND_WAIT + CSMS_COMMAND_TIMEOUT and a margin no connection is
    waiting for it: it is ended as timed out, so that none sends the mask
    instead of the password, and masked. The charger keeps its unconfirmed
    password: it may have taken it. Cheap enough for the periodic expiry:
    it reads the commands in flight only (their own index).
    """
    now = now or timezone.now()
    lifetime = settings.CSMS_COMMAND_WAIT + settings.CSMS_COMMAND_TIMEOUT
    cutoff = now - datetime.timedelta(seconds=lifetime) - IN_FLIGHT_MARGIN
    stale = _holding_secrets().filter(_IN_FLIGHT_INDEXED, created_at__lt=cutoff).order_by()
    if chargepoint_id is not None:
        stale = stale.filter(chargepoint_id=chargepoint_id)
    stale_ids = list(stale.values_list("pk", flat=True))
    if not stale_ids:
        return 0
    Command.objects.filter(pk__in=stale_ids, status__in=list(_IN_FLIGHT)).update(
        status=CommandStatus.TIMED_OUT,
        error_description="No answer, and no server process left to wait for one.",
        answered_at=now,
        updated_at=now,
    )
    return _forget(Command.objects.filter(pk__in=stale_ids))

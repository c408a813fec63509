"""New passwords for chargers (security profiles 1 and 2), made by the CSMS.

The CSMS generates the password and sends it to the charger as a
``set_password`` command; the charger's credential changes only when the
charger accepts it (chargepoints.services.command_effects). Rejected,
unsupported, unanswered or never delivered, the old password stays: the
charger still has it. Taken for after a reboot, or unanswered, the new one
admits the charger too, and becomes its password once the charger presents
it (or a late answer accepts it). The new password is never shown to anyone: not in the
command's record once it finished, not in the message log, not in the API
or the admin (chargepoints.services.command_secrets).
"""

import secrets
import string

from chargepoints.commands.security import password_rotation
from chargepoints.enums import CommandName, CommandStatus
from chargepoints.models import ChargePoint, Command
from chargepoints.services.command_secrets import command_secrets_forget, command_secrets_sweep
from chargepoints.services.commands import command_request

# Letters and digits, 20 of them (about 119 bits), because that is valid in
# both protocols and as the same bytes on the wire:
# - OCPP 2.0.1 A00.FR.205: BasicAuthPassword is 16 to 40 characters of
#   passwordString (letters, digits and a few punctuation marks), sent as text.
# - OCPP 1.6 security whitepaper ed. 3, AuthorizationKey: at least 16 and at
#   most 20 bytes, sent in ChangeConfiguration as the hexadecimal digits of
#   those bytes; the charger presents the bytes themselves (OCTT TC_085_CS).
#   20 ASCII characters are 20 bytes, and decode to text our handshake reads.
# No punctuation: no ':' (the Basic auth separator), nothing a charger's
# configuration store might escape or trim. At least one digit, so that no
# password reads as an OCPP name: a charger that echoes one after its command
# was masked has it masked unseen (chargepoints.services.command_secrets).
PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 20
# Answers after which the charger certainly does not hold the new password.
NOT_TAKEN = (CommandStatus.REJECTED, CommandStatus.FAILED, CommandStatus.CHARGER_OFFLINE)


def password_generate() -> str:
    """A random charger password (``secrets``, the operating system's random source)."""
    while True:
        # Drawn again when it has no digit (3 % of draws): uniform over the rest.
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if any(character in string.digits for character in password):
            return password


def chargepoint_password_rotate(
    *,
    chargepoint_id: str,
    source: str,
    requested_by=None,
    wait: float | None = None,
) -> Command:
    """Send the charger a new password; it becomes its credential once the charger accepts it.

    Waits up to ``wait`` seconds (default CSMS_COMMAND_WAIT) for the answer;
    the command record tells how it went, without the password. Raises
    ChargePoint.DoesNotExist and CommandInvalid, as command_request does.
    """
    # Commands that ended where command_finish never saw them (a dead server
    # process) may still hold an earlier password: mask those first.
    command_secrets_sweep(chargepoint_id=chargepoint_id)
    password = password_generate()
    command = None
    with password_rotation(password) as rotation:
        # Kept (hashed) as the charger's unconfirmed password before it is
        # sent: if the acceptance never reaches us (a timeout, a dropped
        # connection, a server that died), the charger may have taken it and
        # will present it. The command keeps the same hash, to be told apart
        # from a later rotation's.
        unconfirmed = rotation.password_hash
        ChargePoint.objects.filter(pk=chargepoint_id).update(password_unconfirmed=unconfirmed)
        try:
            command = command_request(
                chargepoint_id=chargepoint_id,
                name=CommandName.SET_PASSWORD,
                params={},
                source=source,
                requested_by=requested_by,
                wait=wait,
            )
        finally:
            if command is None or command.status in NOT_TAKEN:
                # The charger certainly does not have it.
                ChargePoint.objects.filter(
                    pk=chargepoint_id, password_unconfirmed=unconfirmed
                ).update(password_unconfirmed="")
    # Offline at once, or given up on before any connection took it: no
    # command_finish will come to mask the password.
    command_secrets_forget(command=command)
    return command

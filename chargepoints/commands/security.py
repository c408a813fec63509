"""The charger's password (security profiles 1 and 2): sent by the password rotation only.

A password the charger accepts becomes its credential, stored by the CSMS
(chargepoints.services.command_effects). So no caller may choose it, and
none may send one without the right to rotate passwords: ``set_password``
takes no parameters, and it can only be prepared inside
``password_rotation()``, which ``chargepoint_password_rotate``
(chargepoints.services.passwords) enters with a password it generated.
The generic command interfaces (API, admin page, ``ocpp_command``) take any
command name, so without this they could send one.
"""

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from chargepoints.commands.base import CommandForm
from chargepoints.services.connections import password_hash

ROTATION_ONLY = (
    "A charger's password is made by the CSMS and stored once the charger accepts it: "
    "use the password rotation (the admin action 'Give a new password', "
    "POST /api/v1/charge-points/<id>/rotate-password/ or manage.py rotate_charger_password)."
)


@dataclass(frozen=True)
class Rotation:
    """A password being rotated in, and the hash it is kept by (never the password)."""

    password: str
    password_hash: str


# The password being rotated in, for the command being prepared in this context.
_rotating: ContextVar[Rotation | None] = ContextVar("chargepoint_password_rotating", default=None)


@contextlib.contextmanager
def password_rotation(password: str):
    """Let ``set_password`` be prepared, with ``password``, within this block.

    Yields the Rotation: its hash is the one the command keeps, so that the
    charger's unconfirmed password can be told to be this command's.
    """
    rotation = Rotation(password=password, password_hash=password_hash(password))
    token = _rotating.set(rotation)
    try:
        yield rotation
    finally:
        _rotating.reset(token)


class SetPasswordForm(CommandForm):
    """No parameters: the password comes from the rotation that prepares the command."""

    def clean(self):
        if not _rotating.get():
            raise ValidationError(ROTATION_ONLY)
        return super().clean()

    def prepared(self) -> dict:
        rotation = _rotating.get()
        # The password is kept in the command only while it is in flight: the
        # connection that holds the charger, in whichever process, sends it
        # from the record. Once the command finishes it is masked
        # (command_secrets_forget). The hash stays (it is not the secret): a
        # late answer is matched by it with the charger's unconfirmed password
        # (chargepoints.services.command_effects).
        return {"password": rotation.password, "password_hash": rotation.password_hash}

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

from django.core.exceptions import ValidationError

from chargepoints.commands.base import CommandForm

ROTATION_ONLY = (
    "A charger's password is made by the CSMS and stored once the charger accepts it: "
    "use the password rotation (the admin action 'Give a new password', "
    "POST /api/v1/charge-points/<id>/rotate-password/ or manage.py rotate_charger_password)."
)

# The password being rotated in, for the command being prepared in this context.
_rotating: ContextVar[str | None] = ContextVar("chargepoint_password_rotating", default=None)


@contextlib.contextmanager
def password_rotation(password: str):
    """Let ``set_password`` be prepared, with ``password``, within this block."""
    token = _rotating.set(password)
    try:
        yield
    finally:
        _rotating.reset(token)


class SetPasswordForm(CommandForm):
    """No parameters: the password comes from the rotation that prepares the command."""

    def clean(self):
        if not _rotating.get():
            raise ValidationError(ROTATION_ONLY)
        return super().clean()

    def prepared(self) -> dict:
        # Kept in the command only while it is in flight: the connection that
        # holds the charger, in whichever process, sends it from the record.
        # Once the command finishes it is masked (command_secrets_forget).
        return {"password": _rotating.get()}

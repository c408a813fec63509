"""Password reset by a one-time code sent to the account's phone (issue 18, finding 9).

A driver who forgot the password asks for a code for their number; it goes
by SMS through the configured sender (accounts/senders.py). With the code
they set a new password, which logs out every device: a reset means the old
password got out or was lost.

Nothing here tells whether a number has an account. Asking for a code looks
the same for every number (the code is sent after the commit, from another
thread), and a wrong code, an expired one, one used up by wrong tries and a
number without an account are all the same refusal. Blocked and expired
accounts (seed 003) get no code: they may not log in anyway.

Only an HMAC of the code is kept (keyed by SECRET_KEY and bound to the
user), so the table alone gives no code away; a slow password hash would
buy nothing for a code that lives ten minutes.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import ngettext
from phonenumber_field.phonenumber import PhoneNumber, to_python

from accounts.models import PasswordResetCode, User
from accounts.senders import sms_send, sms_sender
from accounts.services.tokens import user_tokens_revoke

logger = logging.getLogger(__name__)


class PasswordResetUnavailable(Exception):
    """The site has no SMS sender (CSMS_SMS_SENDER), so no code can reach anyone."""


class PasswordResetCodeInvalid(Exception):
    """Wrong, expired, used, used up by wrong tries, or for a number without an account."""


def _code_hash(*, user_id: int, code: str) -> str:
    return salted_hmac(
        "accounts.password_reset", f"{user_id}:{code}", algorithm="sha256"
    ).hexdigest()


def _account(phone_number: str) -> User | None:
    number = to_python(phone_number)
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        return None
    return User.objects.filter(phone_number=number).first()


def _message(*, code: str, language: str) -> str:
    minutes = max(round(settings.CSMS_PASSWORD_RESET_CODE_TTL / 60), 1)
    with translation.override(language):
        return ngettext(
            "%(code)s is your password reset code. It expires in %(minutes)d minute. "
            "Never share it.",
            "%(code)s is your password reset code. It expires in %(minutes)d minutes. "
            "Never share it.",
            minutes,
        ) % {"code": code, "minutes": minutes}


@transaction.atomic
def _code_issue(*, user: User) -> str:
    """A new code for ``user``; their older ones stop working."""
    now = timezone.now()
    PasswordResetCode.objects.filter(user=user, used_at=None, expires_at__gt=now).update(
        expires_at=now
    )
    length = settings.CSMS_PASSWORD_RESET_CODE_LENGTH
    code = f"{secrets.randbelow(10**length):0{length}d}"
    PasswordResetCode.objects.create(
        user=user,
        code_hash=_code_hash(user_id=user.pk, code=code),
        sent_to=user.phone_number.as_e164,
        created_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.CSMS_PASSWORD_RESET_CODE_TTL),
    )
    return code


def password_reset_request(*, phone_number: str, language: str) -> None:
    """Send a code to ``phone_number`` if an active account has it; otherwise do nothing.

    The message is written in ``language`` (the app's Accept-Language). How
    often one number may ask is the API's throttle (CSMS_THROTTLE_PASSWORD_RESET),
    counted for every number alike.
    """
    sender = sms_sender()
    if sender is None:
        raise PasswordResetUnavailable
    user = _account(phone_number)
    if user is None or not user.may_charge:
        return
    code = _code_issue(user=user)
    text = _message(code=code, language=language)
    to = user.phone_number.as_e164
    # After the commit, never inside a transaction: the provider's answer
    # may take seconds, and the code must exist before it arrives.
    transaction.on_commit(lambda: sms_send(sender=sender, to=to, text=text))


def _live_code(*, user: User) -> PasswordResetCode | None:
    """The user's newest code that may still be tried, locked against a concurrent try."""
    return (
        PasswordResetCode.objects.select_for_update()
        .filter(
            user=user,
            used_at=None,
            expires_at__gt=timezone.now(),
            attempts__lt=settings.CSMS_PASSWORD_RESET_MAX_ATTEMPTS,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def _code_check(*, user: User, code: str) -> PasswordResetCode | None:
    """The code row if ``code`` is right; a wrong try is counted (and committed)."""
    with transaction.atomic():
        row = _live_code(user=user)
        if row is None:
            return None
        if constant_time_compare(_code_hash(user_id=user.pk, code=code), row.code_hash):
            return row
        PasswordResetCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        return None


def password_reset_confirm(*, phone_number: str, code: str, new_password: str) -> User:
    """Set a new password with a code, and log the user out everywhere.

    Raises PasswordResetCodeInvalid for any code that does not open the
    account, and Django's ValidationError ({"new_password": [...]}) for a
    password the validators refuse; the code then stays good for another try.
    """
    user = _account(phone_number)
    if user is None or not user.may_charge:
        # The same work as a wrong code for an account would have cost.
        _code_hash(user_id=0, code=code)
        raise PasswordResetCodeInvalid
    row = _code_check(user=user, code=code)
    if row is None:
        raise PasswordResetCodeInvalid
    # Only now: the validators compare the password with the account's
    # names, which must not answer a caller who does not hold the code.
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.error_list}) from None
    with transaction.atomic():
        # Used once: a second confirm with the same code finds it used.
        used = PasswordResetCode.objects.filter(pk=row.pk, used_at=None).update(
            used_at=timezone.now()
        )
        if not used:
            raise PasswordResetCodeInvalid
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        user_tokens_revoke(user=user)
    logger.info("Password of user %s reset with a code sent to %s.", user.pk, row.sent_to)
    return user

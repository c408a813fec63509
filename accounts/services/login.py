"""Logging in: passwords and account status. The tokens a login gives: services/tokens.py."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python

from accounts.enums import UserStatus
from accounts.models import User


class AccountUnavailable(Exception):
    """The password is right but the account may not log in (seed 003: BLOCKED, EXPIRED)."""

    def __init__(self, user: User):
        # The code says which, for an app to tell its user (account_blocked, ...).
        if not user.is_active:
            message, self.code = _("This account is inactive."), "account_inactive"
        elif user.status == UserStatus.BLOCKED:
            message, self.code = _("This account is blocked."), "account_blocked"
        elif user.status == UserStatus.EXPIRED:
            message, self.code = _("This account has expired."), "account_expired"
        else:
            message, self.code = _("This account may not log in."), "account_inactive"
        super().__init__(message)
        self.message = message


def _login_candidate(*, phone_number: str | None, username: str | None) -> User | None:
    if phone_number is not None:
        number = to_python(phone_number)
        if number is None or not number.is_valid():
            return None
        return User.objects.filter(phone_number=number).first()
    return User.objects.filter(username=username).first()


def user_authenticate(
    *, request, password: str, phone_number: str | None = None, username: str | None = None
) -> User | None:
    """The user these credentials belong to, or None.

    ``request`` is Django's HttpRequest: django-axes counts failures per client
    address and marks a locked-out client on it, which the middleware then
    answers 429 (csms/lockout.py).

    Raises AccountUnavailable when the password is right but the account is
    blocked or expired, so the driver learns why instead of retrying a correct
    password. Only someone who knows the password learns the account's status.
    """
    candidate = _login_candidate(phone_number=phone_number, username=username)
    if candidate is not None and not candidate.may_charge:
        credentials = {"username": username or phone_number}
        # A locked-out client learns nothing, not even with the right password.
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.axes_locked_out = True
            return None
        # The backend refuses such accounts without saying why. Check the
        # password here instead of after it, so every attempt hashes exactly
        # once and a blocked account cannot be told apart by its timing.
        if candidate.check_password(password):
            raise AccountUnavailable(candidate)
        # As authenticate() would have announced it: the guess counts.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return None
    if phone_number is not None:
        return authenticate(request, phone_number=phone_number, password=password)
    return authenticate(request, username=username, password=password)

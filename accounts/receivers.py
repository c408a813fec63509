"""A hook on the user row for the one rule every way of blocking must keep.

Issue 15: an account that may not log in keeps no API tokens, and neither
does one whose password was replaced (the usual answer to a password that got
out: the tokens got with it go too). Refusing them
while it is blocked (accounts/api/authentication.py) is not enough: an
unblock would bring them back, in the hands of whoever had them.

Why a hook rather than a call in each interface: a user stops being ACTIVE
(or active) through the API (user_set_status), the admin's change form
(status, "active"), scripts and the shell, and whatever comes next. The
row's save is the one place all of them pass, so the rule cannot be
forgotten by the next one. The hook only calls the service. A bulk
``QuerySet.update()`` passes no hook: block through user_set_status.
"""

from django.contrib.auth.hashers import is_password_usable

from accounts.models import User
from accounts.services.tokens import user_tokens_revoke


def user_saving(sender, instance: User, raw=False, update_fields=None, **kwargs) -> None:
    instance._password_replaced = False
    if (
        raw
        or instance.pk is None
        or (update_fields is not None and "password" not in update_fields)
    ):
        return
    if instance._password is not None:
        # set_password() was called: a new password (Django keeps it until the
        # save, for the password validators). A hash upgraded on login is not.
        instance._password_replaced = True
        return
    before = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    # "Usable password: no" in the admin: no password at all from now on.
    instance._password_replaced = (
        before is not None and is_password_usable(before) and not instance.has_usable_password()
    )


def user_saved(sender, instance: User, raw=False, update_fields=None, **kwargs) -> None:
    # raw: loading fixtures, where rows are copied as they are. A save of
    # other fields (the login time) writes no status, and may come from a
    # copy of the user read before it was reinstated.
    if raw:
        return
    if getattr(instance, "_password_replaced", False) or (
        (update_fields is None or {"status", "is_active"} & update_fields)
        and not instance.may_charge
    ):
        user_tokens_revoke(user=instance)


def user_deleting(sender, instance: User, **kwargs) -> None:
    # The cascade would delete the tokens too, but without closing the
    # sockets opened with them.
    user_tokens_revoke(user=instance)

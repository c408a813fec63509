"""A hook on the user row for the one rule every way of blocking must keep.

Issue 15: an account that may not log in keeps no API tokens. Refusing them
while it is blocked (accounts/api/authentication.py) is not enough: an
unblock would bring them back, in the hands of whoever had them.

Why a hook rather than a call in each interface: a user stops being ACTIVE
(or active) through the API (user_set_status), the admin's change form
(status, "active"), scripts and the shell, and whatever comes next. The
row's save is the one place all of them pass, so the rule cannot be
forgotten by the next one. The hook only calls the service. A bulk
``QuerySet.update()`` passes no hook: block through user_set_status.
"""

from accounts.models import User
from accounts.services.tokens import user_tokens_revoke


def user_saved(sender, instance: User, raw=False, update_fields=None, **kwargs) -> None:
    # raw: loading fixtures, where rows are copied as they are. A save of
    # other fields (the login time) writes no status, and may come from a
    # copy of the user read before it was reinstated.
    if raw or (update_fields is not None and not {"status", "is_active"} & update_fields):
        return
    if not instance.may_charge:
        user_tokens_revoke(user=instance)


def user_deleting(sender, instance: User, **kwargs) -> None:
    # The cascade would delete the tokens too, but without closing the
    # sockets opened with them.
    user_tokens_revoke(user=instance)

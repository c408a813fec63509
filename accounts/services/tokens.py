"""API tokens: one per device a user logged in on, stored hashed (django-rest-knox).

Issue 15: DRF's token was one per user, kept in plaintext, never expired and
outlived a block. A knox token is kept as its SHA-512 digest only and expires
CSMS_TOKEN_TTL_DAYS after its last use. It is revoked alone (logging out on
that device), with all of the user's others (log out everywhere), or when the
account stops being ACTIVE (accounts/receivers.py), so an unblock brings
none back. Sockets opened with a token listen on its group (auth_token_group)
and close when it is revoked.
"""

from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

from accounts.models import User
from csms.sockets import group_send_on_commit

# What a socket opened with a revoked token is told (type "auth.revoked").
TOKEN_REVOKED = {"type": "auth.revoked"}


def auth_token_group(*, digest: str) -> str:
    """The channel-layer group of the sockets opened with this token.

    Named by the digest, never the token: group names end up in Redis keys.
    """
    # Channels allows names shorter than 100 characters; 64 hex digits of
    # the digest are as unique as a token.
    return f"auth-token.{digest[:64]}"


@transaction.atomic
def auth_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A token for one more device: its record, and the token itself, which only now exists.

    It expires TOKEN_TTL after its last use. Beyond TOKEN_LIMIT_PER_USER
    devices, the one unused longest is logged out rather than the login
    refused: a driver whose phone forgot its tokens (a reinstall) has no
    token left to log out the old ones with.
    """
    tokens = AuthToken.objects.filter(user=user)
    # Expired tokens no longer work anyway; they would only take up places.
    auth_tokens_revoke(tokens=tokens.filter(expiry__lte=timezone.now()))
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None:
        surplus = tokens.count() - limit + 1
        if surplus > 0:
            # Each use pushes the expiry back (AUTO_REFRESH): the earliest
            # expiry is the device unused longest.
            unused = tokens.order_by(F("expiry").asc(nulls_last=True), "created")
            oldest = list(unused.values_list("digest", flat=True)[:surplus])
            auth_tokens_revoke(tokens=AuthToken.objects.filter(digest__in=oldest))
    record, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
    update_last_login(None, user)
    return record, token


def auth_tokens_revoke(*, tokens: QuerySet) -> int:
    """Delete these tokens and close the sockets opened with them; how many there were."""
    digests = list(tokens.values_list("digest", flat=True))
    if not digests:
        return 0
    AuthToken.objects.filter(digest__in=digests).delete()
    group_send_on_commit(
        groups=[auth_token_group(digest=digest) for digest in digests], message=TOKEN_REVOKED
    )
    return len(digests)


def auth_token_revoke(*, token: AuthToken) -> None:
    """Log out one device: the token used to log out, or one its owner or an operator names."""
    auth_tokens_revoke(tokens=AuthToken.objects.filter(digest=token.digest))


def user_tokens_revoke(*, user: User) -> int:
    """Log the user out everywhere: every token, every socket opened with one."""
    return auth_tokens_revoke(tokens=AuthToken.objects.filter(user=user))

from hmac import compare_digest

from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from accounts.enums import UserStatus

# Knox's tokens are 64 hex digits after a prefix of at most 10 characters.
MAX_TOKEN_LENGTH = 100


class TokenAuthentication(KnoxTokenAuthentication):
    """A knox token (hashed, per device, expiring), refused for accounts that are not ACTIVE.

    Seed 003: a BLOCKED or EXPIRED user can neither log in nor charge.
    Blocking deletes the user's tokens (accounts/receivers.py); this refuses
    any a bulk update left behind. Sent as ``Authorization: Token <token>``.

    Each refusal says why in its code, so an app knows what to do: log in
    again (token_invalid, token_expired) or tell the user their account is
    closed (account_blocked, account_expired).
    """

    def authenticate_credentials(self, token: bytes):
        # Knox decodes and queries whatever it is given: a header that is no
        # UTF-8 would be a 500, and so would a NUL on PostgreSQL. A token is
        # a short run of printable ASCII.
        try:
            text = token.decode("utf-8")
        except UnicodeError:
            text = ""
        if not (0 < len(text) <= MAX_TOKEN_LENGTH and text.isascii() and text.isprintable()):
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="token_invalid")
        digest = hash_token(text)
        candidates = (
            get_token_model()
            .objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user")
        )
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            # Knox deletes an expired token when it is shown, and so does this;
            # but it says why, so an app knows to log in again (a later
            # request with the same token finds none: token_invalid).
            if self._cleanup_token(auth_token):
                raise exceptions.AuthenticationFailed(
                    _("This token has expired: log in again."), code="token_expired"
                )
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(_("Invalid token."), code="token_invalid")

    def validate_user(self, auth_token):
        user = auth_token.user
        if user.status == UserStatus.BLOCKED:
            raise exceptions.AuthenticationFailed(
                _("This account is blocked."), code="account_blocked"
            )
        if user.status == UserStatus.EXPIRED:
            raise exceptions.AuthenticationFailed(
                _("This account has expired."), code="account_expired"
            )
        if not user.is_active or user.status != UserStatus.ACTIVE:
            raise exceptions.AuthenticationFailed(
                _("This account is inactive."), code="account_inactive"
            )
        return user, auth_token

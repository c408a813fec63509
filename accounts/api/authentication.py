from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

from accounts.enums import UserStatus

# Knox's tokens are 64 hex digits after a prefix of at most 10 characters.
MAX_TOKEN_LENGTH = 100


class TokenAuthentication(KnoxTokenAuthentication):
    """A knox token (hashed, per device, expiring), refused for accounts that are not ACTIVE.

    Seed 003: a BLOCKED or EXPIRED user can neither log in nor charge.
    Blocking deletes the user's tokens (accounts/receivers.py); this refuses
    any a bulk update left behind. Sent as ``Authorization: Token <token>``.
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
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)  # inactive users
        if user.status != UserStatus.ACTIVE:
            raise exceptions.AuthenticationFailed(
                f"This account is {user.get_status_display().lower()}."
            )
        return user, auth_token

from rest_framework import authentication, exceptions

from accounts.enums import UserStatus


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token, refused for accounts that are not ACTIVE.

    Seed 003: a BLOCKED or EXPIRED user can neither log in nor charge, and a
    token issued before the block must stop working at once.
    """

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if user.status != UserStatus.ACTIVE:
            raise exceptions.AuthenticationFailed(
                f"This account is {user.get_status_display().lower()}."
            )
        return user, token

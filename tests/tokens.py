"""API tokens for tests, made the way logging in makes them (django-rest-knox)."""

from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.test import APIClient

from accounts.services import auth_token_issue


def token_for(user) -> str:
    """A new token of ``user``, as a login on one more device gives it."""
    _, token = auth_token_issue(user=user)
    return token


def app(token: str) -> APIClient:
    """An API client sending ``token``, as an app does."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def api_as(user) -> APIClient:
    """An API client logged in as ``user`` on a device of its own."""
    return app(token_for(user))


def token_store(user, token: str) -> None:
    """Store a token chosen beforehand, without expiry.

    For a server a test starts: the test must know the token, and the server's
    database keeps only its digest.
    """
    AuthToken(
        digest=hash_token(token),
        token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH],
        user=user,
        expiry=None,
    ).save()

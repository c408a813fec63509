"""Management commands that act on chargers through the running server's REST API.

With the in-memory channel layer only the server process reaches its
chargers, so a command run beside it asks the server over HTTP, as the
operator it names (``ocpp_command``, ``rotate_charger_password``).
"""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db.models import Q

from accounts.services import auth_token_issue, auth_token_revoke


def operator_named(name: str, *, right: str, refused: str):
    """The user (by user name or phone number) a command acts as, holding ``right``.

    ``refused`` ends the error that names an unknown, inactive or unentitled one.
    """
    user = get_user_model().objects.filter(Q(username=name) | Q(phone_number=name)).first()
    # has_perm is False for an inactive user.
    if user is None or not user.has_perm(right):
        raise CommandError(f"No operator account {name!r} {refused}")
    return user


def chargepoint_api_path(chargepoint_id: str, action: str) -> str:
    return f"/api/v1/charge-points/{urllib.parse.quote(chargepoint_id, safe='')}/{action}/"


def server_api_post(*, user, path: str, body: dict | None, refused: str) -> dict:
    """POST to our own server as ``user`` and return the JSON answer; CommandError otherwise.

    ``refused`` starts the message of a 400 (its field errors follow).
    """
    # A token of its own for this one call, revoked right after it (on
    # Ctrl-C too): the operator's other devices keep theirs.
    record, token = auth_token_issue(user=user)
    try:
        return _post(path, body, token, refused)
    finally:
        auth_token_revoke(token=record)


def _post(path: str, body: dict | None, token: str, refused: str) -> dict:
    tls = bool(settings.CSMS_TLS_CERT)
    host = settings.CSMS_HOST if settings.CSMS_HOST not in ("0.0.0.0", "::") else "127.0.0.1"
    url = f"{'https' if tls else 'http'}://{host}:{settings.CSMS_PORT}{path}"
    headers = {"Authorization": f"Token {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else b"",
        headers=headers,
        method="POST",
    )
    context = None
    if tls:
        # Our own server, by the certificate it serves, whatever name it has.
        context = ssl.create_default_context(cafile=settings.CSMS_TLS_CERT)
        context.check_hostname = False
    try:
        with urllib.request.urlopen(
            request, timeout=settings.CSMS_COMMAND_WAIT + 30, context=context
        ) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        if error.code == 400:
            raise CommandError(
                field_problems(refused, problem_field_errors(json.loads(detail)))
            ) from None
        raise CommandError(f"The server answered {error.code}: {detail[:500]}") from None
    except urllib.error.URLError as error:
        raise CommandError(f"Cannot reach the server at {url}: {error.reason}") from None


def field_problems(refused: str, errors: dict) -> str:
    return f"{refused}: " + "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in errors.items()
    )


def problem_field_errors(problem: dict) -> dict[str, list[str]]:
    """A 400 problem's field errors (RFC 9457, csms/api/exceptions.py) as {field: [message]}."""
    errors: dict[str, list[str]] = {}
    for error in problem.get("errors") or [{"field": None, "message": problem.get("detail", "")}]:
        errors.setdefault(error.get("field") or "request", []).append(error["message"])
    return errors

"""The body of an API error: RFC 9457 problem details, and the words for each code.

Free of DRF and of Django's app registry, so that what answers before
Django has read a request (csms/serving.py's 413) speaks the same format.
"""

from http import HTTPStatus

from django.conf import settings
from django.utils.translation import gettext_lazy as _

PROBLEM_CONTENT_TYPE = "application/problem+json"

# The title of each code the API itself answers with. Codes a view raises
# that are not listed here take the title of their HTTP status.
TITLES = {
    "invalid": _("Invalid input"),
    "parse_error": _("Malformed request body"),
    "unsupported_media_type": _("Unsupported media type"),
    "not_acceptable": _("Not acceptable"),
    "not_authenticated": _("Authentication required"),
    "authentication_failed": _("Authentication failed"),
    "token_invalid": _("Invalid token"),
    "token_expired": _("Token expired"),
    "account_blocked": _("Account blocked"),
    "account_expired": _("Account expired"),
    "permission_denied": _("Permission denied"),
    "not_found": _("Not found"),
    "method_not_allowed": _("Method not allowed"),
    "throttled": _("Too many requests"),
    "login_locked_out": _("Too many failed logins"),
    "request_too_large": _("Request too large"),
    "unknown_query_parameter": _("Unknown query parameter"),
    "repeated_query_parameter": _("Repeated query parameter"),
    "invalid_ordering": _("Invalid ordering"),
    "server_error": _("Server error"),
    "bad_request": _("Bad request"),
}
_STATUS_TITLES = {
    400: _("Bad request"),
    401: _("Authentication required"),
    403: _("Permission denied"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    410: _("Gone"),
    412: _("Precondition failed"),
    413: _("Request too large"),
    415: _("Unsupported media type"),
    422: _("Unprocessable content"),
    423: _("Locked"),
    429: _("Too many requests"),
    500: _("Server error"),
    502: _("Bad gateway"),
    503: _("Service unavailable"),
    504: _("Gateway timeout"),
}
# Members of the standard a refusal's extension members may not replace.
_STANDARD = ("type", "title", "status", "detail", "code")


def problem_type(code: str) -> str:
    """The problem type URI of ``code``: stable as long as the code is."""
    return settings.CSMS_PROBLEM_BASE_URL + code.replace("_", "-")


def problem_title(code: str, status: int) -> str:
    title = TITLES.get(code) or _STATUS_TITLES.get(status)
    return str(title) if title else HTTPStatus(status).phrase


def problem_body(*, status: int, code: str, detail: str, members: dict | None = None) -> dict:
    """A problem details object; ``members`` are its extension members."""
    body = {key: value for key, value in (members or {}).items() if key not in _STANDARD}
    return {
        "type": problem_type(code),
        "title": problem_title(code, status),
        "status": status,
        "detail": str(detail),
        "code": code,
        **body,
    }

"""Refusals a view raises by name, answered as RFC 9457 problem details.

Every error of the API has a stable machine ``code`` (snake_case) an app
can switch on, and a ``detail`` in words for people, translated where the
request asks (``Accept-Language``). A refusal may carry more members, named
in snake_case (``session_id``, ``transaction_id``), which the answer shows
beside the standard ones (RFC 9457 §3.2, extension members).
"""

from rest_framework import status
from rest_framework.exceptions import APIException


class Problem(APIException):
    """An error answer with its code and extension members; 400 unless a subclass says."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"

    def __init__(self, detail, *, code: str, status_code: int | None = None, **extra):
        super().__init__(detail, code)
        self.code = code
        self.extra = extra
        if status_code is not None:
            self.status_code = status_code


class Conflict(Problem):
    """Well-formed, but the state of things refuses it now (a charger offline, a connector busy)."""

    status_code = status.HTTP_409_CONFLICT

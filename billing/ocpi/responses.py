"""The OCPI response envelope and the errors that end a request early.

OCPI 2.2.1 transport §4.1.7: every answer, errors included, is
{"data", "status_code", "status_message", "timestamp"}.
"""

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from billing.snapshots import ocpi_timestamp

# OCPI 2.2.1 status codes §5.
SUCCESS = 1000
CLIENT_ERROR = 2000
INVALID_PARAMETERS = 2001
UNKNOWN_LOCATION = 2003
SERVER_ERROR = 3000
CLIENT_API_UNUSABLE = 3001
UNSUPPORTED_VERSION = 3002

_NO_DATA = object()


class OcpiError(Exception):
    """A request we answer with an OCPI error instead of data."""

    def __init__(self, message: str, *, status_code: int, http_status: int):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.http_status = http_status


def invalid_parameters(message: str) -> OcpiError:
    return OcpiError(message, status_code=INVALID_PARAMETERS, http_status=400)


def unauthorized(message: str) -> OcpiError:
    # OCPI 2.2.1 transport §4.1.2: a missing or unknown token is HTTP 401. The
    # status code is the client-side one for a missing parameter.
    return OcpiError(message, status_code=INVALID_PARAMETERS, http_status=401)


def not_found(message: str, *, status_code: int = CLIENT_ERROR) -> OcpiError:
    return OcpiError(message, status_code=status_code, http_status=404)


def method_not_allowed(message: str) -> OcpiError:
    return OcpiError(message, status_code=CLIENT_ERROR, http_status=405)


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON.")


def request_json(request: HttpRequest) -> Any:
    """The request's body, decoded; an OcpiError when it is not JSON or too large.

    Status codes §5: a body that is not JSON is HTTP 400. Python's decoder
    also reads NaN and Infinity, which RFC 8259 JSON has not: kept in a
    JSONField (a command's request, a partner's roles) they fail SQLite's
    JSON_VALID check and PostgreSQL's jsonb, a 500 instead of an answer.
    A body past DATA_UPLOAD_MAX_MEMORY_SIZE is refused by Django as it is
    read: HTTP 413, in the envelope.
    """
    try:
        return json.loads(request.body, parse_constant=_not_json)
    except RequestDataTooBig:
        raise OcpiError(
            "The body is too large.", status_code=INVALID_PARAMETERS, http_status=413
        ) from None
    except (ValueError, RecursionError):
        # RecursionError: nested too deeply to decode.
        raise invalid_parameters("The body is not JSON.") from None


def ocpi_response(
    data: Any = _NO_DATA,
    *,
    status_code: int = SUCCESS,
    message: str = "Success",
    http_status: int = 200,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """The envelope. Without ``data`` the field is left out, as transport §4.1.7
    advises where the spec names no data (errors, DELETE)."""
    body: dict[str, Any] = {}
    if data is not _NO_DATA:
        body["data"] = data
    body["status_code"] = status_code
    body["status_message"] = message
    body["timestamp"] = ocpi_timestamp(timezone.now())
    return JsonResponse(
        body,
        status=http_status,
        headers=headers,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
    )


def error_response(error: OcpiError) -> JsonResponse:
    return ocpi_response(
        status_code=error.status_code, message=error.message, http_status=error.http_status
    )

"""Calls to a partner's OCPI API: its versions and details, its receiver
interfaces (our pushes) and its real-time authorization.

Plain urllib with a short timeout: a registration waits on these calls, and
the partner waits on the registration; pushes run off every request's path
(billing/ocpi/outbox.py). Only URLs billing.ocpi.addresses allows are called.
"""

import base64
import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from billing.ocpi.addresses import (
    CheckedHTTPHandler,
    CheckedHTTPSHandler,
    UnsafePartnerUrl,
    partner_url_check,
)

TIMEOUT_SECONDS = 5
# A versions or details answer is a few kilobytes; more is not an OCPI answer.
MAX_BODY_BYTES = 1024 * 1024


class PartnerApiError(Exception):
    """The partner's API could not be reached or did not answer as OCPI says.

    ``retryable``: worth trying again later (no answer, a timeout, HTTP 5xx,
    OCPI 3xxx server errors); a refusal (HTTP 4xx, OCPI 2xxx) is not.
    ``http_status`` and ``status_code`` are the answer's, when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        http_status: int | None = None,
        status_code: int | None = None,
    ):
        super().__init__(message)
        self.retryable = retryable
        self.http_status = http_status
        self.status_code = status_code


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the partner's token to wherever it points.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxy from the environment: a proxy connects on our behalf to wherever
# the URL points, out of reach of the address check.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), CheckedHTTPHandler, CheckedHTTPSHandler, _NoRedirects
)


def authorization(token: str) -> str:
    """OCPI 2.2.1 transport §4.1.2: the token Base64-encoded."""
    return "Token " + base64.b64encode(token.encode()).decode("ascii")


def ocpi_get(url: str, *, token: str) -> Any:
    """GET an OCPI endpoint and return ``data`` of a successful envelope."""
    return ocpi_call("GET", url, token=token)


def ocpi_call(
    method: str,
    url: str,
    *,
    token: str,
    body: Any = None,
    timeout: float = TIMEOUT_SECONDS,
    headers: dict[str, str] | None = None,
) -> Any:
    """Call an OCPI endpoint (``body`` sent as JSON) and return ``data`` of a
    successful envelope; PartnerApiError otherwise."""
    if not url.startswith(("https://", "http://")):
        raise PartnerApiError(f"Not an HTTP URL: {url!r}.")
    try:
        partner_url_check(url)
    except UnsafePartnerUrl as error:
        raise PartnerApiError(str(error)) from None
    request = urllib.request.Request(
        url,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": authorization(token),
            "Accept": "application/json",
            **({"Content-Type": "application/json"} if body is not None else {}),
            # Transport §4.2: every request carries unique message ids.
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
            **(headers or {}),
        },
    )
    http_status = None
    try:
        with _opener.open(request, timeout=timeout) as response:
            http_status = response.status
            answer = response.read(MAX_BODY_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise PartnerApiError(
            f"{url} answered HTTP {error.code}.",
            retryable=error.code >= 500 or error.code in (408, 429),
            http_status=error.code,
        ) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, UnsafePartnerUrl):
            raise PartnerApiError(f"{url} is refused: {error.reason}") from None
        raise PartnerApiError(
            f"{url} could not be reached: {error.reason}.", retryable=True
        ) from None
    except (OSError, ValueError) as error:
        # Timeouts land here (TimeoutError is an OSError).
        raise PartnerApiError(f"{url} could not be reached: {error}.", retryable=True) from None
    if len(answer) > MAX_BODY_BYTES:
        raise PartnerApiError(f"{url} answered more than {MAX_BODY_BYTES} bytes.")
    try:
        envelope = json.loads(answer)
    except ValueError:
        # Not OCPI at all (a proxy's maintenance page, a cut answer): nothing
        # the partner decided, so tried again, as a 5xx would be.
        raise PartnerApiError(
            f"{url} did not answer JSON.", retryable=True, http_status=http_status
        ) from None
    status = envelope.get("status_code") if isinstance(envelope, dict) else None
    if not (isinstance(status, int) and 1000 <= status < 2000):
        # Status codes §5: 1xxx success, 2xxx client errors, 3xxx server errors.
        # No status at all is no OCPI answer (a proxy's page): tried again too.
        retryable = not isinstance(status, int) or 3000 <= status < 4000
        message = envelope.get("status_message") if isinstance(envelope, dict) else None
        detail = f": {str(message)[:200]}" if message else ""
        raise PartnerApiError(
            f"{url} did not answer an OCPI success (status_code {status}){detail}.",
            retryable=retryable,
            http_status=http_status,
            status_code=status if isinstance(status, int) else None,
        )
    return envelope.get("data")

"""Calls to a partner's OCPI API: its versions and version details.

Plain urllib with a short timeout: a registration waits on these calls, and
the partner waits on the registration. Only URLs billing.ocpi.addresses
allows are called.
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
    """The partner's API could not be reached or did not answer as OCPI says."""


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
    if not url.startswith(("https://", "http://")):
        raise PartnerApiError(f"Not an HTTP URL: {url!r}.")
    try:
        partner_url_check(url)
    except UnsafePartnerUrl as error:
        raise PartnerApiError(str(error)) from None
    request = urllib.request.Request(
        url,
        headers={
            "Authorization": authorization(token),
            "Accept": "application/json",
            # Transport §4.2: every request carries unique message ids.
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_BODY_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise PartnerApiError(f"{url} answered HTTP {error.code}.") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, UnsafePartnerUrl):
            raise PartnerApiError(f"{url} is refused: {error.reason}") from None
        raise PartnerApiError(f"{url} could not be reached: {error.reason}.") from None
    except (OSError, ValueError) as error:
        raise PartnerApiError(f"{url} could not be reached: {error}.") from None
    if len(body) > MAX_BODY_BYTES:
        raise PartnerApiError(f"{url} answered more than {MAX_BODY_BYTES} bytes.")
    try:
        envelope = json.loads(body)
    except ValueError:
        raise PartnerApiError(f"{url} did not answer JSON.") from None
    if not isinstance(envelope, dict) or envelope.get("status_code") != 1000:
        status = envelope.get("status_code") if isinstance(envelope, dict) else None
        raise PartnerApiError(f"{url} did not answer an OCPI success (status_code {status}).")
    return envelope.get("data")

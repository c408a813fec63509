"""Calls to a partner's OCPI API: its versions and version details.

Plain urllib with a short timeout: a registration waits on these calls, and
the partner waits on the registration.
"""

import base64
import json
import urllib.error
import urllib.request
import uuid
from typing import Any

TIMEOUT_SECONDS = 5
# A versions or details answer is a few kilobytes; more is not an OCPI answer.
MAX_BODY_BYTES = 1024 * 1024


class PartnerApiError(Exception):
    """The partner's API could not be reached or did not answer as OCPI says."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the partner's token to wherever it points.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def authorization(token: str) -> str:
    """OCPI 2.2.1 transport §4.1.2: the token Base64-encoded."""
    return "Token " + base64.b64encode(token.encode()).decode("ascii")


def ocpi_get(url: str, *, token: str) -> Any:
    """GET an OCPI endpoint and return ``data`` of a successful envelope."""
    if not url.startswith(("https://", "http://")):
        raise PartnerApiError(f"Not an HTTP URL: {url!r}.")
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
    except (urllib.error.URLError, OSError, ValueError) as error:
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

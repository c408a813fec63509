"""``Idempotency-Key`` on the POSTs that act (start, stop, reserve, commands).

Decorate the view method handling the POST with ``idempotent``. A request
without the header is handled as always. With it (1 to 255 printable ASCII
characters):

- a new key: the request is handled; a 2xx answer is kept for the key, an
  error forgets the key (a retry is tried anew);
- the same key and the same request (method, path, body): the first answer
  again, with ``Idempotent-Replayed: true``;
- the same key and another request: 422 problem ``idempotency_key_reused``;
- the same key while the first request is still being handled: 409 problem
  ``idempotency_key_in_flight``.

Keys are per user and kept 24 hours (accounts.services.idempotency).
"""

import functools
import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from accounts.services.idempotency import (
    idempotency_key_answer,
    idempotency_key_claim,
    idempotency_key_forget,
    request_fingerprint,
)
from csms.api.problems import Conflict, Problem

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"[\x20-\x7e]{1,255}")

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of your choice (1 to 255 printable ASCII characters, e.g. a UUID) that makes "
        "retrying safe: the same key with the same request within 24 hours gets the first "
        "answer again (header Idempotent-Replayed: true) instead of acting twice; with "
        "another request, 422 idempotency_key_reused; while the first is still being "
        "handled, 409 idempotency_key_in_flight. An error answer is not kept: retried, the "
        "request is tried anew."
    ),
)


def idempotent(view_method):
    """Make a view's POST handler honour the Idempotency-Key header."""

    @functools.wraps(view_method)
    def handle(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return view_method(view, request, *args, **kwargs)
        if not _KEY.fullmatch(key):
            raise Problem(
                _("Idempotency-Key must be 1 to 255 printable ASCII characters."),
                code="invalid_idempotency_key",
            )
        path = request.path
        claim = idempotency_key_claim(
            user=request.user,
            key=key,
            method=request.method,
            path=path,
            fingerprint=request_fingerprint(method=request.method, path=path, data=request.data),
        )
        if claim.reused:
            raise Problem(
                _("This Idempotency-Key was used for another request."),
                code="idempotency_key_reused",
                status_code=422,
            )
        if claim.in_flight:
            raise Conflict(
                _("A request with this Idempotency-Key is still being handled."),
                code="idempotency_key_in_flight",
            )
        if not claim.new:
            record = claim.record
            return Response(record.response, status=record.status_code, headers={REPLAYED: "true"})
        try:
            response = view_method(view, request, *args, **kwargs)
        except BaseException:
            idempotency_key_forget(record=claim.record)
            raise
        if 200 <= response.status_code < 300:
            idempotency_key_answer(
                record=claim.record, status_code=response.status_code, data=response.data
            )
        else:
            idempotency_key_forget(record=claim.record)
        return response

    return handle

"""Every moment the REST API shows is in UTC, with "Z" (RFC 3339), whatever TIME_ZONE is.

DRF formats a DateTimeField in the current time zone, and reads a moment sent
without an offset in it too: under /api/ that zone is UTC, so every
serializer (generated, declared, nested) prints as ``csms.api.fields.rfc3339``
does, and a naive moment in a request means UTC.
"""

from csms.api.fields import in_utc

API_PREFIX = "/api/"


class UTCMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        # DRF's answers are rendered inside get_response, so inside the block.
        with in_utc():
            return self.get_response(request)

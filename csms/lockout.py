"""The answer to a client that failed to log in too often (django-axes).

django-axes counts failed logins per client address (csms/clients.py) and, at
AXES_FAILURE_LIMIT, refuses every further attempt for AXES_COOLOFF_TIME, the
right password included; axes logs each lock-out. Apps get JSON they can show,
a person at the admin login a page; both 429 with Retry-After.
"""

import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpResponse, JsonResponse

from csms.api.problem_details import PROBLEM_CONTENT_TYPE, problem_body


class ClientLockoutBackend(AxesStandaloneBackend):
    """django-axes's check, for logins that come from a client.

    A login without a request (a management command, the test client's
    login()) has no client address to lock out; axes would refuse it outright.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def username_not_kept(request, credentials) -> str:
    """What django-axes records as the username tried: nothing (settings)."""
    return ""


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    message = (
        f"Too many failed logins from your address: logging in is refused for {minutes} "
        "minutes. Try again later."
    )
    if request.path.startswith("/admin/"):
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    else:
        body = problem_body(status=429, code="login_locked_out", detail=message)
        response = JsonResponse(body, status=429, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(minutes * 60)
    return response

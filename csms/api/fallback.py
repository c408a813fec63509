"""Answers under /api/ that no API view gives, as problem details too.

A path under /api/ that matches no route, an error Django answers itself
(a bad Host, a refused permission outside DRF, a crash) would be an HTML
page; under /api/ each is a problem (csms/api/exceptions.py). The admin and
the rest of the site keep Django's pages.

A path written without its final slash is served as the path with it: a
redirect would lose a POST's body (and Django refuses to make one in DEBUG,
a 500), and the path names one thing either way.
"""

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from csms.api.problem_details import PROBLEM_CONTENT_TYPE, problem_body

API_PREFIX = "/api/"


def problem_response(*, status: int, code: str, detail: str, **headers) -> JsonResponse:
    body = problem_body(status=status, code=code, detail=detail)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _not_found(request) -> JsonResponse:
    return problem_response(
        status=404,
        code="not_found",
        detail=_("There is no %(path)s in this API.") % {"path": request.path},
    )


@csrf_exempt  # the view it hands over to does its own checks, CSRF included
def api_fallback(request, *args, **kwargs):
    """Any path under /api/ that no route took: itself with a final slash, or a 404 problem."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/", getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.func is not api_fallback:
            request.path_info += "/"
            request.path += "/"
            request.resolver_match = match
            return match.func(request, *match.args, **match.kwargs)
    return _not_found(request)


# Django's handlers (csms/urls.py): problems under /api/, its pages elsewhere.


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if _is_api(request):
        return problem_response(status=400, code="bad_request", detail=_("Bad request."))
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if _is_api(request):
        return problem_response(
            status=403,
            code="permission_denied",
            detail=_("You do not have permission to perform this action."),
        )
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if _is_api(request):
        return _not_found(request)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if _is_api(request):
        # Nothing of what went wrong: that is in the server's log.
        return problem_response(
            status=500,
            code="server_error",
            detail=_("The server failed to answer this request. Try again later."),
        )
    return defaults.server_error(request, template_name)

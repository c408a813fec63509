"""Every error of the API as RFC 9457 problem details (``application/problem+json``).

The body always holds ``type``, ``title``, ``status``, ``detail`` and
``code``; a 400 for bad input adds ``errors``, one entry per field error
(``field`` a dotted path, list items by index; null for the request as a
whole) with DRF's or the service's error code. A refusal raised as
csms.api.problems.Problem adds its extension members (RFC 9457 §3.2).

``code`` is what an app switches on; ``type`` is the same code as a URI
(RFC 9457 §3.1.1), under CSMS_PROBLEM_BASE_URL; ``title`` is the code in
words and ``detail`` this occurrence in words, both in the language the
request asked for (Accept-Language).
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from csms.api.problem_details import PROBLEM_CONTENT_TYPE, problem_body
from csms.api.problems import Problem


def field_errors(details, path: tuple = ()) -> list[dict]:
    """DRF's get_full_details() as a flat list: nested fields dotted, list items by index."""
    if isinstance(details, dict) and set(details) == {"message", "code"}:
        field = ".".join(str(part) for part in path) or None
        # A message raised without a code (a form's clean()) is "invalid", as DRF's default.
        code = details["code"] or "invalid"
        return [{"field": field, "code": code, "message": str(details["message"])}]
    if isinstance(details, dict):
        errors = []
        for key, value in details.items():
            # A serializer's errors about itself (validate()) belong to its own path.
            part = () if key in {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY} else (key,)
            errors += field_errors(value, (*path, *part))
        return errors
    errors = []
    for index, item in enumerate(details):
        # A field's messages are a list of leaves; a list of objects is the
        # field's items, one entry each (empty for an item without errors).
        leaf = isinstance(item, dict) and set(item) == {"message", "code"}
        errors += field_errors(item, path if leaf else (*path, index))
    return errors


def _from_django(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as DRF's, keeping each message's code."""

    def details(errors):
        return [
            exceptions.ErrorDetail(message, code=error.code or "invalid")
            for error in errors
            for message in error
        ]

    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {field: details(errors) for field, errors in exc.error_dict.items()}
        )
    return exceptions.ValidationError(details(exc.error_list))


def _validation_body(exc: exceptions.ValidationError) -> dict:
    errors = field_errors(exc.get_full_details())
    if len(errors) == 1 and errors[0]["field"] is None:
        # One message about the request as a whole: it is the detail.
        detail = errors[0]["message"]
    else:
        detail = gettext("Invalid input.")
    return problem_body(
        status=exc.status_code, code="invalid", detail=detail, members={"errors": errors}
    )


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, Problem):
        return exc.code
    detail = exc.detail
    if isinstance(detail, exceptions.ErrorDetail) and detail.code:
        return detail.code
    return exc.default_code


def _detail(exc: exceptions.APIException) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        detail = detail.get("detail", next(iter(detail.values()), ""))
    if isinstance(detail, list):
        detail = detail[0] if detail else ""
    return str(detail)


def exception_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        return _validation_body(exc)
    extra = exc.extra if isinstance(exc, Problem) else {}
    return problem_body(status=exc.status_code, code=_code(exc), detail=_detail(exc), members=extra)


def exception_handler(exc, context):
    """DRF's handler (headers, rollback) with the body as problem details."""
    if isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    elif isinstance(exc, Http404):
        # get_object_or_404's message names the model: the generic one says enough.
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = exception_body(exc)
    response.content_type = PROBLEM_CONTENT_TYPE
    # JSON whatever the client accepts: a browser (Accept: text/html) would
    # get the browsable API's page labelled as problem details, and a client
    # accepting neither would get a 406 instead of its error.
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response

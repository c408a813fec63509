"""The OpenAPI schema: every operation documents the errors it can answer.

drf-spectacular documents the success responses a view declares. The error
answers DRF gives by itself (a bad filter or page, an unknown id, no token,
a refused permission, a throttle) are the same everywhere, so they are added
here once instead of on each view. A view documents only what is its own
(a 409, or a sharper description of a code) with ``error_response``, which
gives it the same body; a view that declares a code keeps its declaration.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

# The two error bodies of the API. Plain schemas rather than serializers, so
# they are inlined and cannot clash with an app's component of the same name.
DETAIL_BODY = {
    "type": "object",
    "description": '{"detail": "..."}: what went wrong with the request as a whole.',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
FIELD_ERRORS_BODY = {
    "type": "object",
    "description": 'Field errors: {"field": ["message", ...]}; "non_field_errors" for the '
    'request as a whole, or {"detail": "..."} for a body that is no JSON.',
    "additionalProperties": True,
}
_DESCRIPTIONS = {
    400: "Invalid input: field errors, or a bad filter or page.",
    401: "No valid token.",
    403: "The caller may not do this.",
    404: "Not found, or not the caller's.",
    409: "Refused: the request conflicts with the current state.",
    429: "Too many requests: wait and retry.",
}


def _body(code: int) -> dict:
    return FIELD_ERRORS_BODY if code == 400 else DETAIL_BODY


def error_response(code: int, description: str | None = None) -> OpenApiResponse:
    """The documented error answer for ``code``, with its own description if given."""
    return OpenApiResponse(_body(code), description=description or _DESCRIPTIONS[code])


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = [429]
        if self.method in {"POST", "PUT", "PATCH"} or self._is_list_view():
            codes.append(400)
        if "{" in self.path or self._is_list_view():
            # Unknown ids; a page past the end of a list.
            codes.append(404)
        if not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += [401, 403]
        for code in codes:
            responses.setdefault(
                str(code),
                {
                    "content": {"application/json": {"schema": _body(code)}},
                    "description": _DESCRIPTIONS[code],
                },
            )
        return responses

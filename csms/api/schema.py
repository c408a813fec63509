"""The OpenAPI schema: every operation documents the errors it can answer.

drf-spectacular documents the success responses a view declares. The error
answers DRF gives by itself (a bad filter or page, an unknown id, no token,
a refused permission, a throttle) are the same everywhere, so they are added
here once instead of on each view; a view that declares its own keeps it.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import AllowAny

_ERROR_BODY = {
    "type": "object",
    "description": '{"detail": "..."} or field errors: {"field": ["message", ...]}',
    "additionalProperties": True,
}
_DESCRIPTIONS = {
    "400": "Invalid input: field errors, or a bad filter or page.",
    "401": "No valid token.",
    "403": "The caller may not do this.",
    "404": "Not found, or not the caller's.",
    "429": "Too many requests: wait and retry.",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["429"]
        if self.method in {"POST", "PUT", "PATCH"} or self._is_list_view():
            codes.append("400")
        if "{" in self.path or self._is_list_view():
            # Unknown ids; a page past the end of a list.
            codes.append("404")
        if not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        for code in codes:
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": _ERROR_BODY}},
                    "description": _DESCRIPTIONS[code],
                },
            )
        return responses

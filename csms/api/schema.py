"""The OpenAPI schema: every operation documents the errors it can answer.

drf-spectacular documents the success responses a view declares. The error
answers DRF gives by itself (a bad filter or page, an unknown id, no token,
a refused permission, a throttle) are the same everywhere, so they are added
here once instead of on each view. A view documents only what is its own
(a 409, or a sharper description of a code) with ``error_response``, which
gives it the same body; a view that declares a code keeps its declaration.
"""

import re

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from csms.api.operation_ids import operation_id
from csms.api.problem_details import PROBLEM_CONTENT_TYPE

# Every error is RFC 9457 problem details (csms/api/exceptions.py): two
# named components, Problem and, for 400, ValidationProblem with the field
# errors. Views refer to them through error_response.
PROBLEM = "Problem"
VALIDATION_PROBLEM = "ValidationProblem"
FIELD_ERROR = "FieldError"
_COMPONENTS = {
    PROBLEM: {
        "type": "object",
        "description": "An error, as RFC 9457 problem details (application/problem+json). "
        "Switch on `code`; `title` and `detail` are in the language asked for "
        "(Accept-Language). A refusal may add members of its own (e.g. `session_id`).",
        "properties": {
            "type": {
                "type": "string",
                "format": "uri",
                "description": "The problem type: the code as a URI.",
            },
            "title": {"type": "string", "description": "The code in words."},
            "status": {"type": "integer", "description": "The HTTP status code."},
            "detail": {"type": "string", "description": "What went wrong this time, in words."},
            "code": {
                "type": "string",
                "description": "Stable machine code (snake_case), e.g. not_found, "
                "token_expired, connector_busy.",
            },
        },
        "required": ["type", "title", "status", "detail", "code"],
        "additionalProperties": True,
    },
    FIELD_ERROR: {
        "type": "object",
        "properties": {
            "field": {
                "type": "string",
                "nullable": True,
                "description": "The field: a dotted path, list items by index "
                "(`items.0.name`); null for the request as a whole.",
            },
            "code": {"type": "string", "description": "e.g. required, invalid, max_length."},
            "message": {"type": "string"},
        },
        "required": ["field", "code", "message"],
    },
    VALIDATION_PROBLEM: {
        "description": "A 400: with code `invalid`, `errors` lists each field error; other "
        "codes (parse_error, unknown_query_parameter) have no `errors`.",
        "allOf": [
            {"$ref": f"#/components/schemas/{PROBLEM}"},
            {
                "type": "object",
                "properties": {
                    "errors": {
                        "type": "array",
                        "items": {"$ref": f"#/components/schemas/{FIELD_ERROR}"},
                    }
                },
            },
        ],
    },
}
_DESCRIPTIONS = {
    400: "Invalid input: field errors, or a bad filter or page.",
    401: "No valid token (codes not_authenticated, token_invalid, token_expired, "
    "account_blocked, account_expired).",
    403: "The caller may not do this.",
    404: "Not found, or not the caller's.",
    409: "Refused: the request conflicts with the current state.",
    429: "Too many requests: wait and retry (Retry-After).",
}


def _body(code: int) -> dict:
    return {"$ref": f"#/components/schemas/{VALIDATION_PROBLEM if code == 400 else PROBLEM}"}


def error_response(code: int, description: str | None = None) -> OpenApiResponse:
    """The documented error answer for ``code``, with its own description if given."""
    return OpenApiResponse(_body(code), description=description or _DESCRIPTIONS.get(code, ""))


class AutoSchema(SpectacularAutoSchema):
    def get_operation_id(self) -> str:
        path = re.sub(self.path_prefix, "", self.path, flags=re.IGNORECASE)
        return operation_id(path=path, method=self.method, is_list=self._is_list_view())

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
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": _body(code)}},
                    "description": _DESCRIPTIONS[code],
                },
            )
        # Whatever a view declared for an error, its answer is a problem.
        for code, response in responses.items():
            content = response.get("content", {})
            if code[:1] in "45" and "application/json" in content:
                content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        for name, schema in _COMPONENTS.items():
            self.registry.register_on_missing(
                ResolvedComponent(name, ResolvedComponent.SCHEMA, schema=schema, object=name)
            )
        return responses

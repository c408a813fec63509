"""The OpenAPI schema: every operation documents the errors it can answer.

drf-spectacular documents the success responses a view declares. The error
answers DRF gives by itself (a bad filter or page, an unknown id, no token,
a refused permission, a throttle) are the same everywhere, so they are added
here once instead of on each view. A view documents only what is its own
(a 409, or a sharper description of a code) with ``error_response``, which
gives it the same body; a view that declares a code keeps its declaration.

Every field is described. A serializer describes the fields it declares with
``help_text``; the fields a ModelSerializer makes from model fields take
their text from the serializer's ``Meta.help_texts`` (as in Django's model
forms), inherited along the serializer's classes. The models' own help_text
is for the admin (and a change of it is a migration).
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
        "example": {
            "type": "https://csms.invalid/problems/connector-busy",
            "title": "Connector busy",
            "status": 409,
            "detail": "Connector 1 is in use.",
            "code": "connector_busy",
        },
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
            "message": {"type": "string", "description": "The error in words, translated."},
        },
        "required": ["field", "code", "message"],
        "example": {
            "field": "connector_id",
            "code": "min_value",
            "message": "Ensure this value is greater than or equal to 1.",
        },
    },
    VALIDATION_PROBLEM: {
        "description": "A 400: with code `invalid`, `errors` lists each field error; other "
        "codes (parse_error, unknown_query_parameter, repeated_query_parameter, "
        "invalid_ordering) have no `errors`.",
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


RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "schema": {"type": "string"},
        "example": '"user";q=600;w=60',
        "description": "The rate limits that counted this request (draft-ietf-httpapi-"
        "ratelimit-headers): per policy its quota q of requests per window w seconds. "
        'Anonymous callers are counted per address ("anon", "login"), logged-in ones per '
        'account ("user", "operator").',
    },
    "RateLimit": {
        "schema": {"type": "string"},
        "example": '"user";r=599;t=60',
        "description": "Where the tightest policy stands: r requests left, t seconds until "
        "one more is allowed again.",
    },
}
REPLAYED = {
    "schema": {"type": "string", "enum": ["true"]},
    "description": "Present on an answer replayed for a repeated Idempotency-Key.",
}
IDEMPOTENCY_KEY_REUSED = {
    "description": "idempotency_key_reused: this Idempotency-Key was used for another request.",
    "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}},
}
RETRY_AFTER = {
    "schema": {"type": "integer"},
    "description": "Seconds to wait before trying again.",
}


def postprocess_schema(result, generator, request, public):
    """The last touches of the schema, after drf-spectacular's enum naming.

    - An enum of one value is a constant, not a type worth a class: the
      ``command`` of each command body (its discriminator) and the empty
      string a blank choice adds (``BlankEnum``) are written in place.
    - Every answer may carry the RateLimit fields (accounts/api/throttling.py),
      a 429 also Retry-After.
    - An operation that takes an Idempotency-Key (accounts/api/idempotency.py)
      documents its replayed answers and its 422 for a key reused.
    """
    schemas = result.get("components", {}).get("schemas", {})
    constants = {
        f"#/components/schemas/{name}": schema
        for name, schema in schemas.items()
        if len(schema.get("enum") or ()) == 1
    }

    def inline(node):
        if isinstance(node, dict):
            # A described reference is wrapped: {"allOf": [{"$ref": ...}], "description": ...}.
            wrapped = node.get("allOf")
            if wrapped and len(wrapped) == 1 and wrapped[0].get("$ref") in constants:
                node = {**{k: v for k, v in node.items() if k != "allOf"}, **wrapped[0]}
            if node.get("$ref") in constants:
                constant = dict(constants[node["$ref"]])
                constant.pop("description", None)
                return {**constant, **{k: v for k, v in node.items() if k != "$ref"}}
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    for ref in constants:
        del schemas[ref.rsplit("/", 1)[1]]
    result = inline(result)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            idempotent = _idempotent(operation)
            if idempotent:
                operation["responses"].setdefault("422", IDEMPOTENCY_KEY_REUSED)
            for code, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                headers.update(RATE_LIMIT_HEADERS)
                if code == "429":
                    headers["Retry-After"] = RETRY_AFTER
                if code.startswith("2") and idempotent:
                    headers["Idempotent-Replayed"] = REPLAYED
    return result


def _idempotent(operation: dict) -> bool:
    return any(
        parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key"
        for parameter in operation.get("parameters", [])
    )


def _body(code: int) -> dict:
    return {"$ref": f"#/components/schemas/{VALIDATION_PROBLEM if code == 400 else PROBLEM}"}


def error_response(code: int, description: str | None = None) -> OpenApiResponse:
    """The documented error answer for ``code``, with its own description if given."""
    return OpenApiResponse(_body(code), description=description or _DESCRIPTIONS.get(code, ""))


def _help_texts(serializer) -> dict:
    """The ``Meta.help_texts`` of a serializer or of the nearest class it inherits one from."""
    for cls in type(serializer).__mro__:
        texts = getattr(vars(cls).get("Meta"), "help_texts", None)
        if texts is not None:
            return texts
    return {}


class AutoSchema(SpectacularAutoSchema):
    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        parent = getattr(field, "parent", None)
        if "description" not in meta and parent is not None:
            text = _help_texts(parent).get(field.field_name)
            if text:
                meta["description"] = str(text)
        return meta

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

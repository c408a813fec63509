"""How the accounts API documents its answers and addresses its rows."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

# Error bodies, described once. Plain schemas rather than serializers, so they
# are inlined and cannot clash with another app's component of the same name.
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": 'Messages per field, e.g. {"phone_number": ["Enter a valid phone number."]}; '
    '"non_field_errors" for the request as a whole, "detail" for a body that is no JSON.',
}
_ERRORS = {
    400: OpenApiResponse(_FIELD_ERRORS, description="Invalid input."),
    401: OpenApiResponse(_DETAIL, description="Not logged in, or the account is not active."),
    403: OpenApiResponse(_DETAIL, description="Not allowed."),
    404: OpenApiResponse(_DETAIL, description="Not found, or not yours (or no such page)."),
    429: OpenApiResponse(_DETAIL, description="Too many attempts; see Retry-After."),
}


def responses(ok: dict, *codes: int) -> dict:
    """The success responses plus the listed error responses."""
    return {**ok, **{code: _ERRORS[code] for code in codes}}


# Calls of any logged-in user: no token (401), CSRF refused on a session (403).
AUTH = (401, 403)
LIST = (400, *AUTH, 404)  # bad filter values; a page past the end
NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}

# Row ids. The routes take any segment so that a malformed id reaches the view
# and is answered with a JSON 404, not the URL resolver's HTML page.
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
ANY_SEGMENT = "[^/]+"

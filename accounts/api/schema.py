"""How the accounts API documents its answers and addresses its rows."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from csms.api.schema import error_response

# What the accounts API says more precisely than the API-wide descriptions
# (csms.api.schema); the bodies are the API's one error format.
_DESCRIPTIONS = {
    401: "Not logged in, or the account is not active.",
    404: "Not found, or not yours (or no such page).",
    429: "Too many attempts; see Retry-After.",
}


def responses(ok: dict, *codes: int) -> dict:
    """The success responses plus the listed error responses."""
    return {**ok, **{code: error_response(code, _DESCRIPTIONS.get(code)) for code in codes}}


# Calls of any logged-in user: no token (401), CSRF refused on a session (403).
AUTH = (401, 403)
LIST = (400, *AUTH, 404)  # bad filter values; a page past the end
NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}

# Row ids. The routes take any segment so that a malformed id reaches the view
# and is answered with a JSON 404, not the URL resolver's HTML page.
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
ANY_SEGMENT = "[^/]+"


class TokenScheme(OpenApiAuthenticationExtension):
    """``Authorization: Token <token>``, as the API documented it before tokens were knox's.

    drf-spectacular's own knox scheme matches knox's class only, not ours.
    """

    target_class = "accounts.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )

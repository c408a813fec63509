"""C Authorization: may this token charge?"""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from ocpp_gateway.adapter.authorize import token_authorize
from ocpp_gateway.v201.handlers.common import id_token_info


class AuthorizationHandlers:
    """Authorize."""

    @on(Action.authorize)
    async def on_authorize(self, id_token, **_):
        auth = await token_authorize(
            self, id_token=id_token["id_token"], token_type=id_token["type"]
        )
        return call_result.Authorize(id_token_info=id_token_info(auth))

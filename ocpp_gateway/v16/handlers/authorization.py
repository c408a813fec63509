"""Core profile: may this id tag charge? (2.0.1 block C)."""

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from ocpp_gateway.adapter.authorize import token_authorize
from ocpp_gateway.v16.handlers.common import id_tag_info


class AuthorizationHandlers:
    """Authorize."""

    @on(Action.authorize)
    async def on_authorize(self, id_tag, **_):
        auth = await token_authorize(self, id_token=id_tag)
        return call_result.Authorize(id_tag_info=id_tag_info(auth))

"""Core profile: may this id tag charge? (2.0.1 block C)."""

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.services.authorization import idtag_authorize
from ocpp_gateway.v16.handlers.common import id_tag_info


class AuthorizationHandlers:
    """Authorize."""

    @on(Action.authorize)
    async def on_authorize(self, id_tag, **_):
        accepted = await self.charger_accepted()
        auth = await self.query(idtag_authorize, id_token=id_tag, charger_accepted=accepted)
        return call_result.Authorize(id_tag_info=id_tag_info(auth))

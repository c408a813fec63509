"""C Authorization: may this token charge?"""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.services.authorization import idtag_authorize
from ocpp_gateway.v201.handlers.common import id_token_info


class AuthorizationHandlers:
    """Authorize."""

    @on(Action.authorize)
    async def on_authorize(self, id_token, **_):
        accepted = await self.charger_accepted()
        auth = await self.query(
            idtag_authorize,
            id_token=id_token["id_token"],
            token_type=id_token["type"],
            charger_accepted=accepted,
        )
        return call_result.Authorize(id_token_info=id_token_info(auth))

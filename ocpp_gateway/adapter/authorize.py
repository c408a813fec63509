"""A charger's Authorize, the same for every version: the tag's answer, and the remote
check its authority may ask for (a roaming partner's real-time authorization)."""

import asyncio

from chargepoints.services.authorization import (
    AuthResult,
    idtag_authorize,
    idtag_authorize_settle,
)


async def token_authorize(adapter, *, id_token: str, token_type: str = "") -> AuthResult:
    """Authorize a presented token for the charger of ``adapter`` (a GatewayAdapter)."""
    accepted = await adapter.charger_accepted()
    auth = await adapter.query(
        idtag_authorize,
        id_token=id_token,
        token_type=token_type,
        charger_accepted=accepted,
        realtime=True,
        chargepoint_id=adapter.id,
    )
    if auth.remote is None:
        return auth
    # A network call of seconds: never in the database writers (ocpp_gateway/db.py),
    # which serve every charger of the process. Only this charger waits for it.
    answer = await asyncio.to_thread(auth.remote.ask)
    return await adapter.query(idtag_authorize_settle, auth=auth, answer=answer)

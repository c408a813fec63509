"""What several 2.0.1 blocks share: the idTokenInfo answer, and reports kept as charger events."""

from chargepoints.services.authorization import AuthResult
from chargepoints.services.commands import chargepoint_progress_record
from chargepoints.services.events import chargepoint_event_record
from ocpp_gateway.keys import camel_keys
from ocpp_gateway.timefmt import ocpp_datetime

ID_TOKEN_MAX_LENGTH = 36


def id_token_info(auth: AuthResult) -> dict:
    info = {"status": str(auth.status)}
    if auth.expiry_date is not None:
        info["cache_expiry_date_time"] = ocpp_datetime(auth.expiry_date)
    # IdTokenType.idToken is at most 36 characters; a longer group tag is left
    # out rather than breaking the schema of an answer to committed data.
    if auth.parent_id_tag and len(auth.parent_id_tag) <= ID_TOKEN_MAX_LENGTH:
        info["group_id_token"] = {"id_token": auth.parent_id_tag, "type": "Central"}
    return info


class ChargerReports:
    """Reports without an entity of their own, kept as charger events."""

    async def _progress(self, kind, status: str, request_id: int | None) -> None:
        # Kept as a charger event and followed on the command that asked for it.
        await self.run(
            chargepoint_progress_record,
            kind=kind,
            status=status,
            payload={},
            request_id=request_id,
        )

    async def _event(self, kind, status: str, *, payload: dict | None = None, **fields) -> None:
        await self.run(
            chargepoint_event_record,
            kind=kind,
            status=status,
            payload=camel_keys(payload or {}),
            **fields,
        )

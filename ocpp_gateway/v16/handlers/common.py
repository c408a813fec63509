"""What several 1.6 profiles share: the idTagInfo answer, and reports kept as charger events."""

from accounts.enums import AuthorizationStatus
from chargepoints.services.authorization import AuthResult
from chargepoints.services.commands import chargepoint_progress_record
from chargepoints.services.events import chargepoint_event_record
from ocpp_gateway.timefmt import ocpp_datetime

ID_TOKEN_MAX_LENGTH = 20


# OCPP 1.6 §7.2 AuthorizationStatus: 2.0.1's other values (Unknown, NoCredit,
# NotAtThisLocation) are Invalid here.
V16_STATUSES = frozenset(
    {
        AuthorizationStatus.ACCEPTED,
        AuthorizationStatus.BLOCKED,
        AuthorizationStatus.EXPIRED,
        AuthorizationStatus.INVALID,
        AuthorizationStatus.CONCURRENT_TX,
    }
)


def v16_status(status: str) -> str:
    """1.6 has no "Unknown" (nor NoCredit, NotAtThisLocation): a tag we cannot
    vouch for is Invalid (§7.2 AuthorizationStatus)."""
    return status if status in V16_STATUSES else AuthorizationStatus.INVALID


def id_tag_info(auth: AuthResult) -> dict:
    info = {"status": str(v16_status(auth.status))}
    if auth.expiry_date is not None:
        info["expiry_date"] = ocpp_datetime(auth.expiry_date)
    # 1.6 IdToken is at most 20 characters; a longer group tag (fine in 2.0.1)
    # is left out rather than breaking the schema of the whole answer.
    if auth.parent_id_tag and len(auth.parent_id_tag) <= ID_TOKEN_MAX_LENGTH:
        info["parent_id_tag"] = auth.parent_id_tag
    return info


class ChargerReports:
    """Reports without an entity of their own, kept as charger events."""

    async def _progress(self, kind, status: str, request_id: int | None = None) -> None:
        # Kept as a charger event and followed on the command that asked for it.
        payload = {"status": status}
        if request_id is not None:
            payload["requestId"] = request_id
        await self.run(
            chargepoint_progress_record,
            kind=kind,
            status=status,
            payload=payload,
            request_id=request_id,
        )

    async def _event(self, kind, payload: dict, status: str, **fields) -> None:
        # Keep the report as sent: fields the charger left out are not stored as null.
        payload = {key: value for key, value in payload.items() if value is not None}
        await self.run(
            chargepoint_event_record, kind=kind, payload=payload, status=status, **fields
        )

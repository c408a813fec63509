"""Real-time authorization: asking an eMSP whether its token may charge here
(OCPI 2.2.1 tokens §12.2.2.2, POST {tokens_url}/{token_uid}/authorize[?type=]).

Built in a database thread with all it needs (the URL, the credentials, the
location), asked outside any (``ask``: the gateway runs it in a thread of its
own, the charger waiting at most CSMS_OCPI_AUTHORIZE_TIMEOUT), and settled in
a database thread again: the answer is kept as an OcpiAuthorization.
"""

import logging
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from accounts.enums import AuthorizationStatus
from billing.enums import AllowedType
from billing.models import OcpiAuthorization, PartnerToken
from billing.ocpi.client import PartnerApiError, ocpi_call
from billing.services.partner_tokens import ocpi_authorization_record

logger = logging.getLogger(__name__)

# What a charger is told of an eMSP's answer (tokens §12.4.1 AllowedType).
# NoCredit and NotAtThisLocation are OCPP 2.0.1's; 1.6 chargers get Invalid.
ALLOWED_STATUS = {
    AllowedType.ALLOWED: AuthorizationStatus.ACCEPTED,
    AllowedType.BLOCKED: AuthorizationStatus.BLOCKED,
    AllowedType.EXPIRED: AuthorizationStatus.EXPIRED,
    AllowedType.NO_CREDIT: AuthorizationStatus.NO_CREDIT,
    AllowedType.NOT_ALLOWED: AuthorizationStatus.NOT_AT_THIS_LOCATION,
}


@dataclass(frozen=True)
class RealtimeAnswer:
    # False: no usable answer (timeout, HTTP 5xx, OCPI 3xxx, garbage): the
    # token's whitelist rule decides. True with allowed "": the eMSP refused
    # to authorize it (unknown token, 2xxx).
    reached: bool
    allowed: str = ""
    authorization_reference: str = ""
    location_id: str = ""
    evse_uids: list[str] = field(default_factory=list)


def _answer(data: Any) -> RealtimeAnswer:
    # tokens §12.3.1 AuthorizationInfo.
    if not isinstance(data, dict) or data.get("allowed") not in AllowedType.values:
        return RealtimeAnswer(reached=False)
    reference = data.get("authorization_reference")
    location = data.get("location") if isinstance(data.get("location"), dict) else {}
    evse_uids = location.get("evse_uids") if isinstance(location.get("evse_uids"), list) else []
    location_id = location.get("location_id")
    return RealtimeAnswer(
        reached=True,
        allowed=data["allowed"],
        authorization_reference=reference[:36] if isinstance(reference, str) else "",
        location_id=location_id[:36] if isinstance(location_id, str) else "",
        evse_uids=[uid[:36] for uid in evse_uids if isinstance(uid, str)],
    )


@dataclass(frozen=True)
class RealtimeAuthorization:
    """One real-time authorization to ask (a chargepoints RemoteCheck)."""

    token: PartnerToken
    url: str
    credentials: str
    # LocationReferences (tokens §12.4.3) of the charger the token is presented at.
    location: dict | None
    # What the charger is told when the eMSP gives no usable answer.
    fallback: str

    def ask(self) -> RealtimeAnswer:
        try:
            data = ocpi_call(
                "POST",
                self.url,
                token=self.credentials,
                body=self.location,
                timeout=settings.CSMS_OCPI_AUTHORIZE_TIMEOUT,
            )
        except PartnerApiError as error:
            logger.warning("Real-time authorization of %s: %s", self.token.uid, error)
            # tokens §12.2.2.2: an unknown token is HTTP 404 or OCPI 2004, a
            # refusal; no answer at all (timeout, 5xx, 3xxx) is "offline".
            status, code = error.http_status, error.status_code
            refused = (status is not None and 400 <= status < 500) or (
                code is not None and 2000 <= code < 3000
            )
            return RealtimeAnswer(reached=refused)
        except Exception:
            # It runs in the gateway: whatever happens, the charger is answered.
            logger.exception("Real-time authorization of %s failed", self.token.uid)
            return RealtimeAnswer(reached=False)
        return _answer(data)

    def settle(self, answer: RealtimeAnswer) -> str:
        if not answer.reached:
            return self.fallback
        if not answer.allowed:
            return AuthorizationStatus.INVALID
        ocpi_authorization_record(
            token=self.token,
            source=OcpiAuthorization.Source.REALTIME,
            allowed=answer.allowed,
            authorization_reference=answer.authorization_reference,
            location_id=answer.location_id or (self.location or {}).get("location_id", ""),
            evse_uids=answer.evse_uids or (self.location or {}).get("evse_uids", []),
        )
        return ALLOWED_STATUS[answer.allowed]


def authorize_url(tokens_url: str, token: PartnerToken) -> str:
    """{tokens_url}/{token_uid}/authorize?type= (tokens §12.2.2.2)."""
    uid = urllib.parse.quote(token.uid, safe="")
    return f"{tokens_url.rstrip('/')}/{uid}/authorize?type={token.type}"

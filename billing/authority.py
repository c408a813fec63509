"""Billing's token authority: how our chargers authorize the tokens eMSPs gave us
(OCPI 2.2.1 tokens §12.4.5 WhitelistType), and which eMSP answer a transaction
started on.

Registered into the charging domain when Django starts (billing.apps); the
chargers' authorizations ask it about any tag no driver of ours owns.

ALWAYS and ALLOWED: decided here (valid, not blocked). ALLOWED_OFFLINE: asked
in real time, and by the whitelist when the eMSP cannot be reached in
CSMS_OCPI_AUTHORIZE_TIMEOUT. NEVER: real time only; unreachable, refused.
Real-time calls are for a charger's Authorize only: at a transaction's start
the eMSP's recent yes (real-time, or a START_SESSION) counts, else the rule.
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.enums import AuthorizationStatus
from accounts.models import IdTag
from billing.enums import AllowedType, WhitelistType
from billing.models import OcpiAuthorization, OcpiPartner, PartnerToken
from billing.ocpi.endpoints import partner_endpoint
from billing.ocpi.locations import chargepoint_evses
from billing.ocpi.realtime import ALLOWED_STATUS, RealtimeAuthorization, authorize_url
from chargepoints.enums import TransactionStatus
from chargepoints.models import ChargePoint, Connector, Transaction
from chargepoints.services.authorization import transaction_deauthorized
from chargepoints.services.token_authority import AuthorityDecision, token_authority_register
from chargepoints.services.transaction_hooks import TransactionEvent, transaction_subscribe
from csms.rows import RowReader

# Asked at every authorization of a tag without a user (compiled once, csms/rows.py).
_TOKEN = RowReader(PartnerToken, ["id_tag"])
_PARTNER = RowReader(OcpiPartner, ["pk"])
_LOCAL = (WhitelistType.ALWAYS, WhitelistType.ALLOWED)


def authorization_usable(
    *,
    token_id: str,
    chargepoint_id: str | None,
    allowed_only: bool = False,
    running: bool = False,
) -> OcpiAuthorization | None:
    """The eMSP's newest answer about the token, for the charger's place, that no
    transaction used yet, within CSMS_OCPI_AUTHORIZATION_TTL; with ``running``, also
    the one a transaction still running at that charger started on, however old:
    its later events carry the token again and must not turn Invalid."""
    since = timezone.now() - datetime.timedelta(seconds=settings.CSMS_OCPI_AUTHORIZATION_TTL)
    usable = Q(transaction__isnull=True, created_at__gte=since)
    if running:
        usable |= Q(
            transaction__transaction_status=TransactionStatus.ACTIVE,
            transaction__chargepoint_id=chargepoint_id,
        )
    found = OcpiAuthorization.objects.filter(usable, token_id=token_id)
    if allowed_only:
        found = found.filter(allowed=AllowedType.ALLOWED)
    place = None
    for answer in found.order_by("-created_at", "-pk")[:20]:
        if answer.location_id and place is None:
            place = _location_references(chargepoint_id) or {}
        if _answer_fits(answer, place):
            return answer
    return None


def _answer_fits(answer: OcpiAuthorization, place: dict | None) -> bool:
    # A yes given for a location (tokens §12.3.1 AuthorizationInfo.location: "the
    # EVSEs the EV driver is allowed to charge at"; a START_SESSION's location_id
    # and evse_uid) is a yes there only; one given without a location holds anywhere.
    if not answer.location_id:
        return True
    if not place or place.get("location_id") != answer.location_id:
        return False
    return not answer.evse_uids or bool(set(answer.evse_uids) & set(place["evse_uids"]))


def _location_references(chargepoint_id: str | None) -> dict | None:
    # tokens §12.4.3 LocationReferences: the charger's location and its EVSEs.
    chargepoint = ChargePoint.objects.filter(pk=chargepoint_id).only("location_id").first()
    if chargepoint is None or chargepoint.location_id is None:
        return None
    evses = chargepoint_evses(chargepoint, Connector.objects.filter(chargepoint_id=chargepoint_id))
    return {
        "location_id": str(chargepoint.location_id),
        "evse_uids": [evse.uid for evse in evses if evse.number],
    }


def partner_token_decide(
    *, token: PartnerToken, status: str, realtime: bool, chargepoint_id: str | None
) -> AuthorityDecision:
    """May the partner's token charge? ``status``: the tag's own (Blocked when the eMSP
    set valid false or an operator revoked it, Expired, Accepted)."""
    if token.partner.status != OcpiPartner.Status.REGISTERED:
        # A suspended or unregistered partner's drivers do not charge on our account.
        return AuthorityDecision(AuthorizationStatus.INVALID)
    if status != AuthorizationStatus.ACCEPTED and token.valid:
        # Our own block (an operator's revocation), whatever the eMSP says.
        return AuthorityDecision(status)
    if token.whitelist in _LOCAL:
        return AuthorityDecision(status)
    # tokens §12.4.5: unreachable, ALLOWED_OFFLINE falls back to the whitelist;
    # NEVER is not accepted.
    fallback = (
        status if token.whitelist == WhitelistType.ALLOWED_OFFLINE else AuthorizationStatus.INVALID
    )
    if realtime:
        # tokens §12.4.5: "the validity of a Token has no influence": a token the
        # eMSP set invalid is asked too, its state may have changed.
        tokens_url = partner_endpoint(token.partner, "tokens", "SENDER")
        if tokens_url is None:
            return AuthorityDecision(fallback)
        check = RealtimeAuthorization(
            token=token,
            url=authorize_url(tokens_url, token),
            credentials=token.partner.token_b,
            location=_location_references(chargepoint_id),
            fallback=fallback,
        )
        return AuthorityDecision(fallback, remote=check)
    latest = authorization_usable(token_id=token.pk, chargepoint_id=chargepoint_id, running=True)
    if latest is not None:
        return AuthorityDecision(ALLOWED_STATUS[latest.allowed])
    return AuthorityDecision(fallback)


class PartnerTokenAuthority:
    """The chargepoints TokenAuthority for tags eMSPs issued (PartnerToken)."""

    def decide(
        self, *, tag: IdTag, status: str, realtime: bool, chargepoint_id: str | None
    ) -> AuthorityDecision | None:
        if tag.user_id is not None:
            # A partner's tag has no user of ours: our drivers cost no lookup.
            return None
        token = _TOKEN.get(tag.pk)
        if token is None:
            return None
        PartnerToken.partner.field.set_cached_value(token, _PARTNER.get(token.partner_id))
        return partner_token_decide(
            token=token, status=status, realtime=realtime, chargepoint_id=chargepoint_id
        )


def authorization_link(*, tx: Transaction) -> None:
    """The eMSP's yes that let a transaction start goes with it (its authorization_reference
    on the session and the CDR, sessions §9.3.1, CDRs §10.3.1)."""
    if tx.id_tag_id is None or tx.user_id is not None or transaction_deauthorized(tx):
        return  # no tag, or one of our drivers' (no partner's): nothing to look up
    found = authorization_usable(
        token_id=tx.id_tag_id, chargepoint_id=tx.chargepoint_id, allowed_only=True
    )
    if found is not None:
        OcpiAuthorization.objects.filter(pk=found.pk, transaction__isnull=True).update(
            transaction=tx
        )


def register() -> None:
    token_authority_register(PartnerTokenAuthority())
    transaction_subscribe(TransactionEvent.STARTED, authorization_link)

"""Tokens an eMSP issued (OCPI 2.2.1 tokens §12): stored as id tags our chargers know,
and the eMSP's answers about their use.

A partner's token is an IdTag (idToken = the Token's uid) with a PartnerToken
beside it. A uid is one tag at our chargers whatever its letter case, so a
uid that is already a tag of ours, or of another partner (or of another
party of the same hub), is refused: a tag never changes hands.
"""

from django.db import IntegrityError, transaction

from accounts.models import IdTag
from billing.models import OcpiAuthorization, OcpiPartner, PartnerToken
from billing.ocpi.token_objects import InvalidToken, token_from_ocpi

__all__ = [
    "InvalidToken",
    "ocpi_authorization_record",
    "partner_token_upsert",
    "token_from_ocpi",
]

UID_TAKEN = (
    "Token uid {uid!r} is already in use by another token at this CPO"
    " (uids are unique regardless of case)."
)


def _refuse_taken(tag: IdTag, *, partner: OcpiPartner, token: dict) -> PartnerToken:
    """The tag's PartnerToken when the caller may change it, else InvalidToken."""
    issued = PartnerToken.objects.filter(id_tag=tag).first()
    # One message for our drivers' tags and other partners' alike: whose tag
    # it is is nobody else's business.
    if (
        issued is None
        or issued.partner_id != partner.pk
        or issued.country_code != token["country_code"]
        or issued.party_id != token["party_id"]
    ):
        raise InvalidToken(UID_TAKEN.format(uid=token["uid"]))
    if issued.type != token["type"]:
        # Our chargers know a uid as one tag: the same uid with a second type
        # would be a second token behind the same card.
        raise InvalidToken(
            f"Token uid {token['uid']!r} is already known here with type {issued.type}."
        )
    return issued


def _tag_locked(uid: str) -> IdTag | None:
    return IdTag.objects.select_for_update().filter(idToken__iexact=uid).first()


@transaction.atomic
def partner_token_upsert(
    *, partner: OcpiPartner, token: dict, keep_newer: bool = False
) -> PartnerToken:
    """Create or replace the partner's token (values from token_from_ocpi).

    ``valid`` false blocks the tag at our chargers (revoked); true again
    reinstates it only when it was the partner's own block, never an
    operator's revocation. ``keep_newer``: a copy older than the token held
    (a START_SESSION's, after a PUT or PATCH since) leaves it as it is
    (tokens §12.2.1.2), compared under the tag's lock.
    """
    tag = _tag_locked(token["uid"])
    created = tag is None
    if created:
        tag = IdTag(idToken=token["uid"], revoked=not token["valid"])
        try:
            with transaction.atomic():
                tag.save(force_insert=True)
        except IntegrityError:
            # Another request created the same uid meanwhile: often this
            # partner's own (a PUT retried while the first is in flight, a
            # START_SESSION with the token being PUT), so it is judged as any
            # tag found, not refused as another's. The INSERT waited for that
            # request's commit, so the tag and its PartnerToken are read now.
            tag, created = _tag_locked(token["uid"]), False
            if tag is None:
                raise InvalidToken(UID_TAKEN.format(uid=token["uid"])) from None
    if created:
        issued = PartnerToken(id_tag=tag, partner=partner)
        partner_blocked = False
    else:
        issued = _refuse_taken(tag, partner=partner, token=token)
        held = issued.last_updated
        if keep_newer and held is not None and held > token["last_updated"]:
            return issued
        partner_blocked = not issued.valid
        if not token["valid"] and not tag.revoked:
            tag.revoked = True
            tag.save(update_fields=["revoked", "updated_at"])
        elif token["valid"] and tag.revoked and partner_blocked:
            tag.revoked = False
            tag.save(update_fields=["revoked", "updated_at"])
    for name, value in token.items():
        setattr(issued, name, value)
    issued.save()
    return issued


def ocpi_authorization_record(
    *,
    token: PartnerToken,
    source: str,
    allowed: str,
    authorization_reference: str = "",
    location_id: str = "",
    evse_uids: list[str] | None = None,
) -> OcpiAuthorization:
    """Keep an eMSP's answer about one use of its token (real-time or START_SESSION),
    so the transaction it lets start can carry its reference."""
    return OcpiAuthorization.objects.create(
        token=token,
        source=source,
        allowed=allowed,
        authorization_reference=authorization_reference[:36],
        location_id=location_id,
        evse_uids=list(evse_uids or []),
    )

"""Reads about partners' tokens: which parties a partner speaks for, and its tokens."""

from billing.models import OcpiPartner, PartnerToken


def partner_parties(*, partner: OcpiPartner) -> set[tuple[str, str]]:
    """The (country_code, party_id) pairs whose tokens ``partner`` may push: its eMSP
    roles from the credentials handshake (a hub may carry several), and its own
    identity. OCPI 2.2.1 transport §4.1.6.1: objects are a party's, by these codes."""
    parties = set()
    if partner.country_code and partner.party_id:
        parties.add((partner.country_code.upper(), partner.party_id.upper()))
    for role in partner.roles if isinstance(partner.roles, list) else []:
        if not isinstance(role, dict) or role.get("role") != "EMSP":
            continue
        country_code, party_id = role.get("country_code"), role.get("party_id")
        if isinstance(country_code, str) and isinstance(party_id, str):
            parties.add((country_code.upper(), party_id.upper()))
    return parties


def partner_token_find(
    *, partner: OcpiPartner, country_code: str, party_id: str, uid: str, type: str
) -> PartnerToken | None:
    """The partner's own token of that party, uid (any case) and type; never another's."""
    return (
        PartnerToken.objects.filter(
            partner=partner,
            country_code__iexact=country_code,
            party_id__iexact=party_id,
            uid__iexact=uid,
            type=type,
        )
        .select_related("id_tag")
        .first()
    )

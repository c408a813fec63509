"""Inviting a roaming partner: the registration token handed over out of band."""

from django.db import transaction as db_transaction

from billing.models import OcpiPartner
from billing.ocpi.tokens import token_hash, token_new


@db_transaction.atomic
def ocpi_partner_invite(*, partner: OcpiPartner) -> str:
    """Issue a fresh token A (OCPI 2.2.1 credentials §7.2); any earlier one stops working.

    The partner registers with it at our versions URL; a registered partner
    invited again must register anew, so its token C is withdrawn. The token
    is returned to be shown once; only its hash is kept (billing.ocpi.tokens).
    """
    token = token_new()
    partner.token_a_hash = token_hash(token)
    partner.token_c_hash = ""
    partner.status = OcpiPartner.Status.PENDING
    partner.save(update_fields=["token_a_hash", "token_c_hash", "status", "last_updated"])
    return token

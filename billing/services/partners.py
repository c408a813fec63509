"""Inviting a roaming partner: the registration token handed over out of band."""

import secrets

from django.db import transaction as db_transaction

from billing.models import OcpiPartner


@db_transaction.atomic
def ocpi_partner_invite(*, partner: OcpiPartner) -> str:
    """Issue a fresh token A (OCPI 2.2.1 credentials §7.2); any earlier one stops working.

    The partner registers with it at our versions URL; a registered partner
    invited again must register anew, so its token C is withdrawn.
    """
    partner.token_a = secrets.token_urlsafe(32)
    partner.token_c = ""
    partner.status = OcpiPartner.Status.PENDING
    partner.save(update_fields=["token_a", "token_c", "status", "last_updated"])
    return partner.token_a

"""Billing's models: tariffs and CDRs, roaming partners, and what roaming with them keeps."""

from billing.models.partners import OcpiPartner, PartnerToken
from billing.models.roaming import OcpiAuthorization, OcpiCommand, OcpiPush, OcpiSyncState
from billing.models.tariffs import CDR, Tariff, TariffElement, TransactionPricing

__all__ = [
    "CDR",
    "OcpiAuthorization",
    "OcpiCommand",
    "OcpiPartner",
    "OcpiPush",
    "OcpiSyncState",
    "PartnerToken",
    "Tariff",
    "TariffElement",
    "TransactionPricing",
]

"""The cost engine: OCPI 2.2.1 tariffs applied to a charging session.

Pure: no database, no clock. Callers hand it a tariff (an OCPI Tariff object)
and what happened during a session; it answers with charging periods and costs.
"""

from billing.pricing.engine import price_session
from billing.pricing.tariffs import Price, TariffError, TariffSpec
from billing.pricing.types import (
    ChargingPeriod,
    Costs,
    CurrencyMismatch,
    PricingError,
    Reservation,
    Sample,
    StateChange,
    Supply,
    Usage,
)

__all__ = [
    "ChargingPeriod",
    "Costs",
    "CurrencyMismatch",
    "Price",
    "PricingError",
    "Reservation",
    "Sample",
    "StateChange",
    "Supply",
    "TariffError",
    "TariffSpec",
    "Usage",
    "price_session",
]

"""The charging domain in the admin, by topic.

Billing registers subclasses of ``ConnectorAdmin`` and ``TransactionAdmin``
that add what only it knows (a connector's tariffs, a transaction's price).
"""

from chargepoints.admin import dashboard  # noqa: F401 (registers the network's figures)
from chargepoints.admin.admission import ChargerLockoutAdmin, ServerProcessAdmin
from chargepoints.admin.commands import CommandAdmin
from chargepoints.admin.reported import (
    ChargerEventAdmin,
    ConfigurationVariableAdmin,
    HeartbeatAdmin,
    SampledValueAdmin,
    StatusNotificationAdmin,
)
from chargepoints.admin.sites import ChargePointAdmin, ConnectorAdmin, LocationAdmin
from chargepoints.admin.transactions import (
    ChargingProfileAdmin,
    ChargingSessionAdmin,
    ReservationAdmin,
    TransactionAdmin,
)

__all__ = [
    "ChargePointAdmin",
    "ChargerEventAdmin",
    "ChargerLockoutAdmin",
    "ChargingProfileAdmin",
    "ChargingSessionAdmin",
    "CommandAdmin",
    "ConfigurationVariableAdmin",
    "ConnectorAdmin",
    "HeartbeatAdmin",
    "LocationAdmin",
    "ReservationAdmin",
    "SampledValueAdmin",
    "ServerProcessAdmin",
    "StatusNotificationAdmin",
    "TransactionAdmin",
]

from chargepoints.models.admission import ChargerLockout, ServerProcess
from chargepoints.models.commands import Command
from chargepoints.models.locations import Location
from chargepoints.models.profiles import ChargingProfile
from chargepoints.models.reservations import Reservation
from chargepoints.models.stations import (
    ChargePoint,
    ChargerEvent,
    ConfigurationVariable,
    Connector,
    Heartbeat,
    StatusNotification,
)
from chargepoints.models.transactions import ChargingSession, SampledValue, Transaction

__all__ = [
    "ChargePoint",
    "ChargerEvent",
    "ChargerLockout",
    "ChargingProfile",
    "ChargingSession",
    "Command",
    "ConfigurationVariable",
    "Connector",
    "Heartbeat",
    "Location",
    "Reservation",
    "SampledValue",
    "ServerProcess",
    "StatusNotification",
    "Transaction",
]

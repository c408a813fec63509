"""OCPP 2.0.1: payloads in, domain service calls, answers out.

The ``@on`` handlers live in ``handlers/``, one module per functional block of
OCPP 2.0.1 part 2 (A Security, B Provisioning, ...); the ``ocpp`` library
routes to handlers inherited from any of them.
"""

from ocpp.v201 import ChargePoint
from ocpp.v201.enums import Action

from chargepoints.enums import OcppProtocol
from ocpp_gateway.adapter import GatewayAdapter
from ocpp_gateway.protocol import ERROR_CODES_201
from ocpp_gateway.v201 import commands as v201_commands
from ocpp_gateway.v201.handlers.authorization import AuthorizationHandlers
from ocpp_gateway.v201.handlers.availability import AvailabilityHandlers
from ocpp_gateway.v201.handlers.certificates import CertificateHandlers
from ocpp_gateway.v201.handlers.data_transfer import DataTransferHandlers
from ocpp_gateway.v201.handlers.diagnostics import DiagnosticsHandlers
from ocpp_gateway.v201.handlers.display_messages import DisplayMessageHandlers
from ocpp_gateway.v201.handlers.firmware import FirmwareHandlers
from ocpp_gateway.v201.handlers.provisioning import ProvisioningHandlers
from ocpp_gateway.v201.handlers.reservation import ReservationHandlers
from ocpp_gateway.v201.handlers.security import SecurityHandlers
from ocpp_gateway.v201.handlers.smart_charging import SmartChargingHandlers
from ocpp_gateway.v201.handlers.transactions import TransactionHandlers


class ChargePoint201(
    GatewayAdapter,
    SecurityHandlers,
    ProvisioningHandlers,
    AuthorizationHandlers,
    TransactionHandlers,
    AvailabilityHandlers,
    ReservationHandlers,
    SmartChargingHandlers,
    FirmwareHandlers,
    CertificateHandlers,
    DiagnosticsHandlers,
    DisplayMessageHandlers,
    DataTransferHandlers,
    ChargePoint,
):
    subprotocol = OcppProtocol.OCPP201
    actions = frozenset(action.value for action in Action)
    commands = v201_commands
    error_codes = ERROR_CODES_201
    answer_unreadable_frames = True

"""OCPP 1.6J: payloads in, domain service calls, answers out.

The ``@on`` handlers live in ``handlers/``, one module each, named after the
OCPP 2.0.1 functional block they mirror so that both versions read alike;
each module names the 1.6 profile its messages belong to. The Local Auth List
Management, Reservation, Smart Charging and Remote Trigger profiles have no
message a charge point sends, so they appear only in ``commands``.
"""

from ocpp.v16 import ChargePoint
from ocpp.v16.enums import Action

from chargepoints.enums import OcppProtocol
from ocpp_gateway.adapter import GatewayAdapter
from ocpp_gateway.protocol import ERROR_CODES_16
from ocpp_gateway.v16 import commands as v16_commands
from ocpp_gateway.v16.handlers.authorization import AuthorizationHandlers
from ocpp_gateway.v16.handlers.availability import AvailabilityHandlers
from ocpp_gateway.v16.handlers.data_transfer import DataTransferHandlers
from ocpp_gateway.v16.handlers.diagnostics import DiagnosticsHandlers
from ocpp_gateway.v16.handlers.firmware import FirmwareHandlers
from ocpp_gateway.v16.handlers.provisioning import ProvisioningHandlers
from ocpp_gateway.v16.handlers.security import SecurityHandlers
from ocpp_gateway.v16.handlers.transactions import TransactionHandlers


class ChargePoint16(
    GatewayAdapter,
    SecurityHandlers,
    ProvisioningHandlers,
    AuthorizationHandlers,
    TransactionHandlers,
    AvailabilityHandlers,
    FirmwareHandlers,
    DiagnosticsHandlers,
    DataTransferHandlers,
    ChargePoint,
):
    subprotocol = OcppProtocol.OCPP16
    actions = frozenset(action.value for action in Action)
    commands = v16_commands
    error_codes = ERROR_CODES_16

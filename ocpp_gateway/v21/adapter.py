"""OCPP 2.1: the 2.0.1 messages, checked against the 2.1 schemas.

OCPP 2.1 keeps every 2.0.1 message (with compatible schemas) and adds new
ones (DER control, battery swap, periodic event streams, ...). A 2.1 charger
gets the full 2.0.1 behaviour; the actions new in 2.1 are answered
NotSupported, honestly, until the domain supports them.
"""

from ocpp.v21.enums import Action

from chargepoints.enums import OcppProtocol
from ocpp_gateway.v201.adapter import ChargePoint201

# OCPP 2.1 part 4: SEND (6) carries no answer, and CALLRESULTERROR (5)
# answers one of our results; neither may be answered with a CALLERROR.
SEND, CALLRESULTERROR = 6, 5


class ChargePoint21(ChargePoint201):
    subprotocol = OcppProtocol.OCPP21
    _ocpp_version = "2.1"
    actions = frozenset(action.value for action in Action)
    unanswered_message_types = frozenset({SEND, CALLRESULTERROR})

"""What real chargers do that the letter of the specification does not allow, accepted."""

from chargepoints.models import Connector, SampledValue, Transaction
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire


def test_a_201_charger_may_report_temperature_like_the_bmw_wallbox(chargepoint):
    # Seed 004: the wallbox sends "Temperature", a measurand only OCPP 1.6 has.
    # Refusing a TransactionEvent would make it retry forever (docs/architecture.md rule 7).
    wire = Wire(ChargePoint201, chargepoint.pk)
    answer = wire.call(
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": "2026-11-21T10:00:00Z",
            "triggerReason": "CablePluggedIn",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "t-1"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [
                {
                    "timestamp": "2026-11-21T10:00:00Z",
                    "sampledValue": [
                        {
                            "value": 31.5,
                            "measurand": "Temperature",
                            "unitOfMeasure": {"unit": "Celsius"},
                        }
                    ],
                }
            ],
        },
    )
    assert answer == [3, "1", {}]
    reading = SampledValue.objects.get(transaction=Transaction.objects.get())
    assert (reading.measurand, reading.numeric_value) == ("Temperature", 31.5)


def test_other_enumeration_errors_are_still_refused(chargepoint):
    wire = Wire(ChargePoint201, chargepoint.pk)
    answer = wire.call(
        "MeterValues",
        {
            "evseId": 1,
            "meterValue": [
                {
                    "timestamp": "2026-11-21T10:00:00Z",
                    "sampledValue": [{"value": 1, "measurand": "Humidity"}],
                }
            ],
        },
    )
    assert answer[:3] == [4, "1", "PropertyConstraintViolation"]


def test_a_connector_made_by_hand_is_adopted_by_its_evse(chargepoint):
    made_by_hand = Connector.objects.create(chargepoint=chargepoint, connectorid=1)
    wire = Wire(ChargePoint201, chargepoint.pk)
    wire.result(
        "StatusNotification",
        {
            "timestamp": "2026-11-21T10:00:00Z",
            "connectorStatus": "Available",
            "evseId": 1,
            "connectorId": 1,
        },
    )
    connector = Connector.objects.get()
    assert connector.pk == made_by_hand.pk
    assert (connector.evse_id, connector.evse_connector_id, connector.status) == (1, 1, "Available")

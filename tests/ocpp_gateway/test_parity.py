"""One charging session, told in OCPP 1.6 and in OCPP 2.0.1, leaves the same domain state."""

from accounts.models import IdTag
from chargepoints.models import ChargePoint, Connector, SampledValue, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire

TAG = "PARITY-TAG"
T0, T1, T2 = "2026-11-21T10:00:00Z", "2026-11-21T10:30:00Z", "2026-11-21T11:00:00Z"


def session_16(wire: Wire) -> None:
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    wire.result(
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Preparing", "timestamp": T0},
    )
    assert wire.result("Authorize", {"idTag": TAG})["idTagInfo"]["status"] == "Accepted"
    started = wire.result(
        "StartTransaction", {"connectorId": 1, "idTag": TAG, "meterStart": 10_000, "timestamp": T0}
    )
    wire.result(
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": started["transactionId"],
            "meterValue": [
                {
                    "timestamp": T1,
                    "sampledValue": [
                        {
                            "value": "13.5",
                            "unit": "kWh",
                            "measurand": "Energy.Active.Import.Register",
                            "context": "Sample.Periodic",
                        },
                        {
                            "value": "7.4",
                            "unit": "kW",
                            "measurand": "Power.Active.Import",
                            "context": "Sample.Periodic",
                        },
                    ],
                }
            ],
        },
    )
    wire.result(
        "StopTransaction",
        {
            "transactionId": started["transactionId"],
            "meterStop": 17_000,
            "timestamp": T2,
            "idTag": TAG,
            "reason": "EVDisconnected",
        },
    )
    wire.result(
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": T2},
    )


def session_201(wire: Wire) -> None:
    wire.result(
        "BootNotification",
        {"chargingStation": {"vendorName": "ACME", "model": "Duo"}, "reason": "PowerUp"},
    )
    wire.result(
        "StatusNotification",
        {"timestamp": T0, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1},
    )
    assert (
        wire.result("Authorize", {"idToken": {"idToken": TAG, "type": "ISO14443"}})["idTokenInfo"][
            "status"
        ]
        == "Accepted"
    )

    def event(event_type, trigger, seq_no, timestamp, energy_wh, **extra):
        context = {"Started": "Transaction.Begin", "Ended": "Transaction.End"}.get(event_type)
        samples = [
            {"value": energy_wh, "measurand": "Energy.Active.Import.Register", "context": context}
        ]
        if event_type == "Updated":
            samples = [
                {
                    "value": 13.5,
                    "measurand": "Energy.Active.Import.Register",
                    "context": "Sample.Periodic",
                    "unitOfMeasure": {"unit": "kWh"},
                },
                {
                    "value": 7.4,
                    "measurand": "Power.Active.Import",
                    "context": "Sample.Periodic",
                    "unitOfMeasure": {"unit": "kW"},
                },
            ]
        payload = {
            "eventType": event_type,
            "timestamp": timestamp,
            "triggerReason": trigger,
            "seqNo": seq_no,
            "transactionInfo": {"transactionId": "parity-1", **extra},
            "meterValue": [{"timestamp": timestamp, "sampledValue": samples}],
        }
        if event_type == "Started":
            payload["evse"] = {"id": 1, "connectorId": 1}
            payload["idToken"] = {"idToken": TAG, "type": "ISO14443"}
        return payload

    wire.result("TransactionEvent", event("Started", "Authorized", 0, T0, 10_000))
    wire.result("TransactionEvent", event("Updated", "MeterValuePeriodic", 1, T1, None))
    wire.result(
        "TransactionEvent",
        event("Ended", "EVDeparted", 2, T2, 17_000, stoppedReason="EVDisconnected"),
    )
    wire.result(
        "StatusNotification",
        {"timestamp": T2, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
    )


def domain_state(chargepoint_id: str) -> dict:
    tx = Transaction.objects.get(chargepoint_id=chargepoint_id)
    connector = Connector.objects.get(chargepoint_id=chargepoint_id)
    readings = SampledValue.objects.filter(transaction=tx, context="Sample.Periodic").order_by(
        "measurand"
    )
    chargepoint = ChargePoint.objects.get(pk=chargepoint_id)
    return {
        "vendor": (chargepoint.chargepoint_vendor, chargepoint.chargepoint_model),
        "connector": (connector.connectorid, connector.status),
        "transaction": (
            tx.connector_id == connector.pk,
            tx.id_tag_id,
            tx.user_id,
            tx.transaction_status,
            tx.reason_stopped,
            tx.start_transaction_timestamp.isoformat(),
            tx.stop_transaction_timestamp.isoformat(),
            tx.wh_meter_start,
            tx.wh_meter_stop,
            tx.total_energy,
            tx.last_power_w,
            tx.needs_review,
        ),
        "readings": [(r.measurand, r.numeric_value) for r in readings],
    }


def test_a_session_in_16_and_in_201_leaves_the_same_domain_state(location, driver):
    IdTag.objects.create(idToken=TAG, user=driver)
    ChargePoint.objects.create(chargepoint_id="PARITY-16", location=location)
    ChargePoint.objects.create(chargepoint_id="PARITY-201", location=location)

    session_16(Wire(ChargePoint16, "PARITY-16"))
    session_201(Wire(ChargePoint201, "PARITY-201"))

    state_16, state_201 = domain_state("PARITY-16"), domain_state("PARITY-201")
    assert state_16 == state_201
    # And that shared state is the right one.
    assert state_16["transaction"][3:5] == ("COMPLETED", "EVDisconnected")
    assert state_16["transaction"][7:11] == (10_000.0, 17_000.0, 7.0, 7400.0)
    assert state_16["readings"] == [
        ("Energy.Active.Import.Register", 13_500.0),
        ("Power.Active.Import", 7400.0),
    ]
    assert state_16["connector"] == (1, "Available")

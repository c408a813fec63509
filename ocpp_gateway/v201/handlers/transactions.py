"""E Transactions and J MeterValues: a transaction's events and the readings of a meter."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.enums import StopReason
from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.metering import Reading
from chargepoints.services.transactions import (
    TransactionFacts,
    meter_values_record,
    transaction_start,
    transaction_stop,
    transaction_update,
)
from ocpp_gateway.adapter import parse_timestamp
from ocpp_gateway.keys import camel_keys
from ocpp_gateway.v201.handlers.common import id_token_info


def readings(meter_values: list[dict] | None) -> list[Reading]:
    result = []
    for meter_value in meter_values or []:
        timestamp = parse_timestamp(meter_value["timestamp"])
        for sample in meter_value["sampled_value"]:
            # 2.0.1 UnitOfMeasureType: unit defaults to Wh, multiplier to 0.
            unit = sample.get("unit_of_measure") or {}
            signed = sample.get("signed_meter_value")
            result.append(
                Reading(
                    timestamp=timestamp,
                    value=_number_text(sample["value"]),
                    measurand=sample.get("measurand", ""),
                    phase=sample.get("phase", ""),
                    context=sample.get("context", ""),
                    location=sample.get("location", ""),
                    unit=unit.get("unit", ""),
                    multiplier=unit.get("multiplier", 0),
                    signed_meter_value=camel_keys(signed) if signed else None,
                )
            )
    return result


def _number_text(value) -> str:
    # 2.0.1 sends numbers; keep them as the charger wrote them (no "12.0" for 12).
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def connector_ref(evse: dict | None) -> ConnectorRef | None:
    if not evse:
        return None
    return ConnectorRef(evse_id=evse["id"], evse_connector_id=evse.get("connector_id"))


def facts_from(event: dict, transaction_info: dict, id_token: dict | None) -> TransactionFacts:
    token, token_type = None, ""
    if id_token:
        token, token_type = id_token["id_token"], id_token["type"]
    return TransactionFacts(
        charging_state=transaction_info.get("charging_state", ""),
        trigger_reason=event["trigger_reason"],
        seq_no=event["seq_no"],
        number_of_phases_used=event.get("number_of_phases_used"),
        id_token=token,
        id_token_type=token_type,
    )


class TransactionHandlers:
    """TransactionEvent, MeterValues."""

    @on(Action.meter_values)
    async def on_meter_values(self, evse_id, meter_value, **_):
        # evseId 0 is the station's main meter.
        ref = ConnectorRef(evse_id=evse_id) if evse_id else ConnectorRef()
        await self.run(meter_values_record, ref=ref, readings=readings(meter_value))
        return call_result.MeterValues()

    @on(Action.transaction_event)
    async def on_transaction_event(
        self, event_type, timestamp, trigger_reason, seq_no, transaction_info, **optional
    ):
        event = {"trigger_reason": trigger_reason, "seq_no": seq_no, **optional}
        facts = facts_from(event, transaction_info, optional.get("id_token"))
        common = {
            "timestamp": parse_timestamp(timestamp),
            "facts": facts,
            "readings": readings(optional.get("meter_value")),
        }
        tx_id = transaction_info["transaction_id"]
        ref = connector_ref(optional.get("evse"))
        if event_type == "Started":
            result = await self.run(
                transaction_start,
                ref=ref or ConnectorRef(),
                charger_transaction_id=tx_id,
                reservation_id=optional.get("reservation_id"),
                remote_start_id=transaction_info.get("remote_start_id"),
                **common,
            )
        elif event_type == "Updated":
            result = await self.run(
                transaction_update, charger_transaction_id=tx_id, ref=ref, **common
            )
        else:
            result = await self.run(
                transaction_stop,
                charger_transaction_id=tx_id,
                ref=ref,
                # 2.0.1 TransactionType: stoppedReason may only be absent when Local.
                reason=transaction_info.get("stopped_reason") or StopReason.LOCAL,
                **common,
            )
        if result.auth is None:
            return call_result.TransactionEvent()
        # idTokenInfo answers every event that carried an idToken.
        return call_result.TransactionEvent(id_token_info=id_token_info(result.auth))

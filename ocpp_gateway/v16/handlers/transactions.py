"""Core profile: transactions and meter values (2.0.1 blocks E and J)."""

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.enums import StopReason
from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.metering import Reading
from chargepoints.services.transactions import (
    TransactionFacts,
    meter_values_record,
    transaction_start,
    transaction_stop,
)
from ocpp_gateway.adapter import parse_timestamp
from ocpp_gateway.v16.handlers.common import id_tag_info


def readings(meter_values: list[dict] | None) -> list[Reading]:
    return [
        Reading(
            timestamp=parse_timestamp(meter_value["timestamp"]),
            value=sample["value"],
            measurand=sample.get("measurand", ""),
            phase=sample.get("phase", ""),
            context=sample.get("context", ""),
            location=sample.get("location", ""),
            unit=sample.get("unit", ""),
            format=sample.get("format", ""),
        )
        for meter_value in meter_values or []
        for sample in meter_value["sampled_value"]
    ]


class TransactionHandlers:
    """StartTransaction, StopTransaction, MeterValues."""

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id, id_tag, meter_start, timestamp, reservation_id=None, **_
    ):
        result = await self.run(
            transaction_start,
            ref=ConnectorRef(connectorid=connector_id),
            timestamp=parse_timestamp(timestamp),
            meter_start_wh=meter_start,
            reservation_id=reservation_id,
            facts=TransactionFacts(id_token=id_tag),
        )
        return call_result.StartTransaction(
            transaction_id=result.transaction.pk, id_tag_info=id_tag_info(result.auth)
        )

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self, meter_stop, timestamp, transaction_id, id_tag=None, reason=None, **optional
    ):
        result = await self.run(
            transaction_stop,
            transaction_id=transaction_id,
            timestamp=parse_timestamp(timestamp),
            meter_stop_wh=meter_stop,
            # OCPP 1.6 §6.47: an absent reason means Local.
            reason=reason or StopReason.LOCAL,
            facts=TransactionFacts(id_token=id_tag),
            readings=readings(optional.get("transaction_data")),
        )
        if result.auth is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=id_tag_info(result.auth))

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id, meter_value, transaction_id=None, **_):
        await self.run(
            meter_values_record,
            ref=ConnectorRef(connectorid=connector_id),
            transaction_id=transaction_id,
            readings=readings(meter_value),
        )
        return call_result.MeterValues()

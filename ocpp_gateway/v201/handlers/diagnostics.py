"""N Diagnostics: log uploads, device events, monitors and customer information."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.enums import ChargerEventKind
from chargepoints.services.events import (
    EventRecord,
    chargepoint_events_record,
)
from ocpp_gateway.adapter import parse_timestamp
from ocpp_gateway.keys import camel_keys
from ocpp_gateway.v201.handlers.common import ChargerReports


class DiagnosticsHandlers(ChargerReports):
    """LogStatusNotification, NotifyEvent, NotifyMonitoringReport, NotifyCustomerInformation."""

    @on(Action.log_status_notification)
    async def on_log_status_notification(self, status, request_id=None, **_):
        await self._progress(ChargerEventKind.LOG_STATUS, status, request_id)
        return call_result.LogStatusNotification()

    @on(Action.notify_event)
    async def on_notify_event(self, generated_at, seq_no, event_data, **_):
        # Every event is read first and all are stored at once: a bad one
        # refuses the message without leaving the others half stored.
        events = [
            EventRecord(
                kind=ChargerEventKind.DEVICE_EVENT,
                status=f"{event['component']['name']}.{event['variable']['name']}: "
                f"{event['actual_value']}",
                timestamp=parse_timestamp(event["timestamp"]),
                evse_id=(event["component"].get("evse") or {}).get("id"),
                detail=event.get("tech_info", ""),
                payload=camel_keys(event),
            )
            for event in event_data
        ]
        await self.run(chargepoint_events_record, events=events)
        return call_result.NotifyEvent()

    @on(Action.notify_monitoring_report)
    async def on_notify_monitoring_report(self, request_id, seq_no, generated_at, **optional):
        await self._event(
            ChargerEventKind.MONITORING_REPORT,
            f"{len(optional.get('monitor') or [])} monitor(s)",
            request_id=request_id,
            payload={"seq_no": seq_no, "generated_at": generated_at, **optional},
        )
        return call_result.NotifyMonitoringReport()

    @on(Action.notify_customer_information)
    async def on_notify_customer_information(
        self, data, seq_no, generated_at, request_id, tbc=False, **_
    ):
        await self._event(
            ChargerEventKind.CUSTOMER_INFORMATION,
            f"part {seq_no}",
            request_id=request_id,
            detail=data,
            payload={"seq_no": seq_no, "generated_at": generated_at, "tbc": tbc},
        )
        return call_result.NotifyCustomerInformation()

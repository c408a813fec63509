"""Firmware Management profile and security extension: diagnostics and log uploads
(2.0.1 block N).
"""

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.enums import ChargerEventKind
from ocpp_gateway.v16.handlers.common import ChargerReports


class DiagnosticsHandlers(ChargerReports):
    """DiagnosticsStatusNotification, LogStatusNotification."""

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(self, status, **_):
        await self._progress(ChargerEventKind.DIAGNOSTICS_STATUS, status)
        return call_result.DiagnosticsStatusNotification()

    @on(Action.log_status_notification)
    async def on_log_status_notification(self, status, request_id=None, **_):
        await self._progress(ChargerEventKind.LOG_STATUS, status, request_id)
        return call_result.LogStatusNotification()

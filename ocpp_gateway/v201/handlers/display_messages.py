"""O DisplayMessage: the messages a charging station shows."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.enums import ChargerEventKind
from ocpp_gateway.v201.handlers.common import ChargerReports


class DisplayMessageHandlers(ChargerReports):
    """NotifyDisplayMessages."""

    @on(Action.notify_display_messages)
    async def on_notify_display_messages(self, request_id, message_info=None, tbc=False, **_):
        await self._event(
            ChargerEventKind.DISPLAY_MESSAGES,
            f"{len(message_info or [])} message(s)",
            request_id=request_id,
            payload={"message_info": message_info or [], "tbc": tbc},
        )
        return call_result.NotifyDisplayMessages()

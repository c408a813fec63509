"""The adapter's third job: every frame in and out goes to the message log (OCPPMessage)."""

import logging

from django.utils import timezone

from ocpp_gateway.db import gateway_log
from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.services import Frame

logger = logging.getLogger(__name__)


class MessageLog:
    """Mixin of ``GatewayAdapter``: logging frames without ever blocking or delaying an answer."""

    id: str

    @staticmethod
    def _frame_out(out: list, *, action: str) -> Frame:
        if out[0] == MessageType.CALLERROR:
            payload = {"errorCode": out[2], "errorDescription": out[3], "errorDetails": out[4]}
        else:
            payload = out[-1]
        return Frame(MessageDirection.OUTBOUND, out[0], out[1], action, payload, timezone.now())

    async def _record(self, frames: list[Frame]) -> None:
        # Queued, not awaited: the answer leaves once the charger's data is
        # committed, and its log entries join the next batch of database work.
        try:
            await gateway_log(self.id, frames)
        except Exception:
            # The log must never stop a charger from being answered.
            logger.exception("%s: could not log %d frame(s)", self.id, len(frames))

"""Drive commands through an adapter against a scripted charger, frame by frame."""

import asyncio
import json

from asgiref.sync import async_to_sync

from chargepoints.commands import command_prepare
from chargepoints.enums import CommandSource
from chargepoints.models import ChargePoint, Command
from chargepoints.services.commands import command_create
from ocpp_gateway.commands import request_build
from tests.ocpp_gateway.helpers import Wire
from tests.waiting import wait_until_async

PROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1", "2.1": "ocpp2.1"}


def command_issue(chargepoint: ChargePoint, name: str, params: dict | None = None) -> Command:
    """Validate, build and record a command as command_request does, without routing it."""
    prepared = command_prepare(chargepoint=chargepoint, name=name, params=params or {})
    action, request = request_build(protocol=chargepoint.ocpp_version, prepared=prepared)
    return command_create(
        chargepoint=chargepoint,
        prepared=prepared,
        action=action,
        request=request,
        source=CommandSource.API,
    )


class ScriptedCharger(Wire):
    """An adapter whose charger answers each command with a scripted frame."""

    def command(self, command: Command, answer=None, *, raw: str | None = None) -> list:
        """Run ``command``; the charger answers CALLRESULT ``answer`` (a payload) or ``raw``.

        ``answer`` may be a callable taking the sent frame and returning the
        frame to send back; None sends nothing (the command times out).
        Returns the frame the adapter sent.
        """

        async def scenario():
            before = len(self.sent)
            task = asyncio.create_task(self.adapter._command_run(command.pk, None))
            await wait_until_async(
                lambda: len(self.sent) > before or task.done(),
                interval=0.005,
                what="the adapter sending the command",
            )
            sent = json.loads(self.sent[before]) if len(self.sent) > before else None
            if sent is not None:
                if raw is not None:
                    await self.adapter.route_message(raw)
                elif callable(answer):
                    await self.adapter.route_message(json.dumps(answer(sent)))
                elif answer is not None:
                    await self.adapter.route_message(json.dumps([3, sent[1], answer]))
            await task
            return sent

        sent = async_to_sync(scenario)()
        command.refresh_from_db()
        return sent

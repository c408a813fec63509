"""Fixtures the charging-session tests share: a connected charger, and one that answers as told."""

import pytest
from asgiref.sync import sync_to_async

from chargepoints.services.commands import command_finish


@pytest.fixture
def online(chargepoint, connector):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.connected = True
    chargepoint.connection_id = "conn-1"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def charger(monkeypatch):
    """The connection holding the charger: takes each command and answers as told (or not)."""
    behaviour = {"status": None, "answer": {}}

    async def route(*, command_id, chargepoint_id, connection_id, wait):
        if behaviour["status"] is not None:
            await sync_to_async(command_finish)(
                chargepoint_id=chargepoint_id,
                command_id=command_id,
                status=behaviour["status"],
                response=behaviour["answer"],
            )
        return True

    monkeypatch.setattr("ocpp_gateway.commands.command_route", route)

    def answers(status, answer=None):
        behaviour["status"], behaviour["answer"] = status, answer or {}

    return answers

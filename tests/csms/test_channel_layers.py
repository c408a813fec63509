"""The default in-memory channel layer: same deliveries, expiry swept at most once a second."""

import asyncio
import time

from csms import channel_layers
from csms.channel_layers import SweptInMemoryChannelLayer


def test_group_messages_are_delivered():
    async def scenario():
        layer = SweptInMemoryChannelLayer()
        channel = await layer.new_channel()
        await layer.group_add("charger.CP1", channel)
        await layer.group_send("charger.CP1", {"type": "command.send", "command": 7})
        return await layer.receive(channel)

    assert asyncio.run(scenario()) == {"type": "command.send", "command": 7}


def test_expired_messages_are_dropped_by_the_next_sweep(monkeypatch):
    async def scenario():
        layer = SweptInMemoryChannelLayer(expiry=1)
        stale = await layer.new_channel()
        await layer.group_add("live.tx1", stale)
        await layer.send(stale, {"type": "old"})
        # Nobody read it; its minute (here a second) passes.
        monkeypatch.setattr(time, "time", lambda real=time.time: real() + 5)
        monkeypatch.setattr(
            channel_layers.time, "monotonic", lambda real=time.monotonic: real() + 5
        )
        fresh = await layer.new_channel()
        await layer.group_add("live.tx1", fresh)
        await layer.group_send("live.tx1", {"type": "new"})
        return layer, stale, fresh

    layer, stale, fresh = asyncio.run(scenario())
    # The stale channel's expired message went, and with it its memberships.
    assert stale not in layer.channels
    assert list(layer.groups["live.tx1"]) == [fresh]


def test_a_burst_of_sends_sweeps_once(monkeypatch):
    sweeps = []
    monkeypatch.setattr(
        channel_layers.InMemoryChannelLayer, "_clean_expired", lambda self: sweeps.append(1)
    )

    async def scenario():
        layer = SweptInMemoryChannelLayer()
        for number in range(100):
            await layer.group_send(f"charger.CP{number}", {"type": "x"})

    asyncio.run(scenario())
    assert len(sweeps) == 1

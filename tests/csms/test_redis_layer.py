"""The Redis channel layer, configured as the settings configure it, against a real redis-server."""

import asyncio
import shutil

import pytest
from channels_redis.core import RedisChannelLayer

from csms.channel_layers import PooledRedisChannelLayer
from tests.csms.test_settings import _settings
from tests.server import redis_server

pytestmark = pytest.mark.e2e


def test_a_consumer_waiting_longer_than_the_blocking_pop_keeps_waiting(tmp_path):
    """channels_redis blocks 5 s per pop; redis-py's default read timeout was also 5 s,
    so an idle consumer's read timed out and the charger's connection was closed."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    config = _settings(REDIS_URL="redis://127.0.0.1:1/0")["layer_config"]

    async def idle_then_message(redis_url: str):
        hosts = [
            {**host, "address": redis_url} if isinstance(host, dict) else redis_url
            for host in config["hosts"]
        ]
        layer = PooledRedisChannelLayer(hosts=hosts)
        channel = await layer.new_channel()
        waiting = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(RedisChannelLayer.brpop_timeout + 2)
        assert not waiting.done(), waiting.exception()
        await layer.send(channel, {"type": "command.send", "command": 1})
        received = await asyncio.wait_for(waiting, 10)
        await layer.close_pools()
        return received

    with redis_server(tmp_path) as redis_url:
        assert asyncio.run(idle_then_message(redis_url)) == {"type": "command.send", "command": 1}


def _hosts(redis_url: str, **overrides) -> list:
    config = _settings(REDIS_URL="redis://127.0.0.1:1/0")["layer_config"]
    return [{**host, "address": redis_url, **overrides} for host in config["hosts"]]


def test_a_burst_of_chargers_joining_their_groups_waits_for_a_connection(tmp_path):
    """More chargers at once than the pool has connections: they queue, none fails."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")

    async def burst(redis_url: str):
        layer = PooledRedisChannelLayer(hosts=_hosts(redis_url, max_connections=5))
        channels = [await layer.new_channel() for _ in range(200)]
        await asyncio.gather(
            *(layer.group_add(f"charger.CP{n}", channel) for n, channel in enumerate(channels))
        )
        await layer.group_send("charger.CP7", {"type": "connection.replaced"})
        received = await asyncio.wait_for(layer.receive(channels[7]), 10)
        await layer.close_pools()
        return received

    with redis_server(tmp_path) as redis_url:
        assert asyncio.run(burst(redis_url)) == {"type": "connection.replaced"}

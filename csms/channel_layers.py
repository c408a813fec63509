"""The channel layers the settings choose, each fixed where it failed at scale.

In memory (one process): Channels' ``InMemoryChannelLayer`` sweeps every channel and every group for
expired messages on each ``receive`` and ``group_send``: with ten thousand
chargers connected, each of those calls walks ten thousand queues, and a
reconnect storm (each connection joins its group and is told of itself)
costs the square of the chargers. Expiry is coarse anyway (messages live
60 s, memberships a day), so here the sweep runs at most once per second.

Redis (several processes): see ``PooledRedisChannelLayer``.
"""

import time

from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from redis.asyncio import BlockingConnectionPool

SWEEP_INTERVAL = 1.0


class SweptInMemoryChannelLayer(InMemoryChannelLayer):
    _swept_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._swept_at < SWEEP_INTERVAL:
            return
        self._swept_at = now
        super()._clean_expired()


class PooledRedisChannelLayer(RedisChannelLayer):
    """channels_redis with a pool that makes a burst wait for a connection instead of failing.

    channels_redis makes a plain redis-py pool, which refuses a caller once
    its hundred connections are busy: when a thousand chargers reconnected at
    once, joining their groups failed and their handshakes were answered 500.
    A blocking pool keeps the same bound on connections to Redis and queues
    the rest (each host's ``max_connections``, ``timeout`` seconds at most).
    """

    def create_pool(self, index):
        host = dict(self.hosts[index])
        address = host.pop("address")
        return BlockingConnectionPool.from_url(address, **host)

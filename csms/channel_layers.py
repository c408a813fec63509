"""The in-memory channel layer of a single-process CSMS, with expiry that scales.

Channels' ``InMemoryChannelLayer`` sweeps every channel and every group for
expired messages on each ``receive`` and ``group_send``: with ten thousand
chargers connected, each of those calls walks ten thousand queues, and a
reconnect storm (each connection joins its group and is told of itself)
costs the square of the chargers. Expiry is coarse anyway (messages live
60 s, memberships a day), so here the sweep runs at most once per second.
"""

import time

from channels.layers import InMemoryChannelLayer

SWEEP_INTERVAL = 1.0


class SweptInMemoryChannelLayer(InMemoryChannelLayer):
    _swept_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._swept_at < SWEEP_INTERVAL:
            return
        self._swept_at = now
        super()._clean_expired()

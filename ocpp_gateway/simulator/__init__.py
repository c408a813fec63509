"""Simulated chargers: boot, report status, authorize, charge with meter values, stop.

Used by ``manage.py simulate_chargers`` and the benchmark. Each charger is the
``ocpp`` library's own client, which validates every answer against the
official JSON schemas, so a schema violation by the CSMS counts as an error.

``options`` holds what a run is told and what it saw, ``charger`` one
charger's script, ``frames`` the frames it sends, ``clients`` its answers to
the CSMS's commands; ``simulate`` below runs a fleet of them.
"""

import asyncio
import time
from collections.abc import Callable

from ocpp_gateway.simulator.charger import SimulatedCharger
from ocpp_gateway.simulator.options import SUBPROTOCOLS, Options, Stats

__all__ = ["SUBPROTOCOLS", "Options", "SimulatedCharger", "Stats", "simulate"]


async def simulate(
    *,
    chargepoint_ids: list[str],
    options: Options,
    progress: Callable[[str], None] | None = None,
    ramp_seconds: float = 5.0,
) -> Stats:
    """Run every charger until ``options.duration`` has passed; return what they saw.

    With ``options.sessions``, the run ends earlier, once every charger has had
    its sessions.
    """
    stats = Stats()
    deadline = time.monotonic() + options.duration
    chargers = [
        SimulatedCharger(chargepoint_id, options, stats) for chargepoint_id in chargepoint_ids
    ]

    async def start(index: int, charger: SimulatedCharger) -> None:
        # Spread connections over the ramp, as a fleet coming back online would.
        await asyncio.sleep(ramp_seconds * index / max(len(chargers), 1))
        await charger.run(deadline)

    tasks = [asyncio.create_task(start(i, c)) for i, c in enumerate(chargers)]

    async def close_when_all_finished() -> None:
        await asyncio.gather(*(charger.finished.wait() for charger in chargers))
        for charger in chargers:
            charger.closing.set()

    closer = asyncio.create_task(close_when_all_finished()) if options.sessions else None
    reporter = None
    if progress is not None:

        async def report() -> None:
            while True:
                await asyncio.sleep(2)
                progress(stats.line())

        reporter = asyncio.create_task(report())
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in (reporter, closer):
            if task is not None:
                task.cancel()
    return stats

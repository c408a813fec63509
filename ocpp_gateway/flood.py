"""Flood limits per charger: frames per second and bytes per minute (issue 16).

One charger once grew the database by some 9.6 MB/s. Every frame a charger
sends passes ``FloodLimit.admit`` before it is parsed: two token buckets, a
few arithmetic operations, no lookup (docs/architecture.md rule 10). A frame
over the limits is neither processed nor logged; a CALL among them is
answered with a CALLERROR (``InboundRouting.refuse_flooded``), and a charger
that keeps on is disconnected. The one exception is the charger's answer to
a call of ours it was sent (``GatewayAdapter.flood_admit``): refusing it
would lose what it did (a new password taken), so it passes, its bytes
counted.

The buckets are the charger's, not its connection's: kept in memory per
charge point id (``flood_limit_for``), so a charger that reconnects after a
close for flooding finds them as it left them instead of a fresh burst.
Each server process has its own: a charger that reconnects to another
process (behind a load balancer) starts there with a full burst. The
charge point's count of refused frames and one event per episode are
written in batches (``chargepoint_flood_record``).
"""

import asyncio
import functools
import json
import logging
import math
from dataclasses import dataclass
from time import monotonic

from django.conf import settings
from django.utils import timezone

from chargepoints.services.flooding import FloodReport, chargepoint_flood_record
from ocpp_gateway.db import gateway_db

logger = logging.getLogger(__name__)

# RFC 6455 §7.4.1 has 1008, "policy violation"; Daphne (autobahn) sends only
# 1000 and 3000-4999, so the same number in the private range.
CLOSE_FLOODED = 4008
# How often a flooding connection writes its refused frames, at most.
REPORT_SECONDS = 1.0
# Neither OCPP-J 1.6 (§4.2.3) nor 2.0.1 (part 4 §4.3) has a code for this:
# GenericError is "any other error not covered by the more specific error codes".
REFUSED_DESCRIPTION = "Rate limit exceeded"
# The registry of buckets is cleared of idle ones once it holds this many,
# and then whenever it has doubled since.
PRUNE_FROM = 1024


@dataclass(frozen=True)
class FloodLimits:
    """The settings, as the buckets use them; shared by every connection."""

    rate: float
    burst: float
    byte_rate: float
    byte_capacity: float
    close_after: int
    # An episode of flooding ends once the charger has kept to its limits
    # long enough to earn its whole burst back.
    quiet: float
    described: dict


@functools.cache
def flood_limits(
    frames_per_second: float, burst: int, bytes_per_minute: int, close_after: int
) -> FloodLimits:
    """The limits for these settings; 0 (or less) switches a limit off."""
    rate, capacity = (frames_per_second, float(max(burst, 1))) if frames_per_second > 0 else (0, 0)
    return FloodLimits(
        rate=float(rate),
        burst=capacity if rate else math.inf,
        byte_rate=bytes_per_minute / 60 if bytes_per_minute > 0 else 0.0,
        byte_capacity=float(bytes_per_minute) if bytes_per_minute > 0 else math.inf,
        close_after=close_after,
        quiet=max(1.0, capacity / rate) if rate else 60.0,
        described={
            "framesPerSecond": frames_per_second,
            "frameBurst": burst,
            "bytesPerMinute": bytes_per_minute,
            "closeAfter": close_after,
        },
    )


def limits_from_settings() -> FloodLimits:
    return flood_limits(
        settings.CSMS_CHARGER_FRAMES_PER_SECOND,
        settings.CSMS_CHARGER_FRAME_BURST,
        settings.CSMS_CHARGER_BYTES_PER_MINUTE,
        settings.CSMS_CHARGER_FLOOD_CLOSE_AFTER,
    )


class FloodLimit:
    """One charger's buckets and flooding episode; slots, so an idle charger costs little."""

    __slots__ = (
        "bytes",
        "chargepoint_id",
        "episode",
        "episode_closed",
        "episode_refused",
        "episode_started",
        "event_id",
        "frames",
        "last_refused",
        "limits",
        "reporter",
        "stamp",
        "unreported",
    )

    def __init__(self, chargepoint_id: str, limits: FloodLimits | None = None):
        self.chargepoint_id = chargepoint_id
        self.limits = limits = limits or limits_from_settings()
        # A charger new to this process starts with full buckets.
        self.frames = limits.burst
        self.bytes = limits.byte_capacity
        self.stamp = monotonic()
        self.last_refused = -math.inf
        self.episode = 0
        self.episode_refused = 0
        self.episode_started = None
        self.unreported = 0
        self.event_id = None
        self.reporter = None
        # A connection of the charger was closed for flooding in this episode.
        self.episode_closed = False

    def admit(self, frame: str) -> bool:
        """Whether this frame is within the limits; it is counted against them if so."""
        limits = self.limits
        now = monotonic()
        elapsed = now - self.stamp
        self.stamp = now
        frames = self.frames + elapsed * limits.rate
        if frames > limits.burst:
            frames = limits.burst
        data = self.bytes + elapsed * limits.byte_rate
        if data > limits.byte_capacity:
            data = limits.byte_capacity
        # Its size in UTF-8 without encoding it, unless it is not ASCII (O(1) to ask).
        size = len(frame) if frame.isascii() else len(frame.encode())
        if frames >= 1 and data >= size:
            self.frames = frames - 1
            self.bytes = data - size
            return True
        self.frames = frames
        self.bytes = data
        self._refused(now)
        return False

    def admit_answer(self, frame: str) -> None:
        """Let through a charger's answer to a call of ours: its bytes count, no frame does.

        The bytes may go below nothing: the frames after it wait until they
        are earned back.
        """
        limits = self.limits
        now = monotonic()
        elapsed = now - self.stamp
        self.stamp = now
        self.frames = min(self.frames + elapsed * limits.rate, limits.burst)
        data = min(self.bytes + elapsed * limits.byte_rate, limits.byte_capacity)
        self.bytes = data - (len(frame) if frame.isascii() else len(frame.encode()))

    def idle(self, now: float) -> bool:
        """Full again, its episode over and reported: as good as a new one, so it may go."""
        limits = self.limits
        elapsed = now - self.stamp
        return (
            self.reporter is None
            and now - self.last_refused > limits.quiet
            and self.frames + elapsed * limits.rate >= limits.burst
            and self.bytes + elapsed * limits.byte_rate >= limits.byte_capacity
        )

    @property
    def persists(self) -> bool:
        """The charger kept on past the refusals the settings allow in one episode."""
        close_after = self.limits.close_after
        return close_after > 0 and self.episode_refused >= close_after

    def close(self) -> None:
        """A connection is closing for flooding: the episode's event will say so."""
        self.episode_closed = True
        self._report_soon()

    def refusal(self, unique_id: str, error_code: str) -> str:
        """The CALLERROR answering a refused CALL."""
        return json.dumps(
            [4, unique_id, error_code, REFUSED_DESCRIPTION, self.limits.described],
            separators=(",", ":"),
        )

    def _refused(self, now: float) -> None:
        if now - self.last_refused > self.limits.quiet:
            self.episode += 1
            self.episode_refused = 0
            self.episode_closed = False
            self.episode_started = timezone.now()
            self.event_id = None
            logger.warning("%s: over its flood limits, refusing frames", self.chargepoint_id)
        self.last_refused = now
        self.episode_refused += 1
        self.unreported += 1
        self._report_soon()

    def _report_soon(self) -> None:
        if self.reporter is None:
            # A task of its own, referenced and its failure logged
            # (docs/architecture.md rule 5): the frame is not held up.
            self.reporter = asyncio.create_task(self._report())
            self.reporter.add_done_callback(self._reported)

    async def _report(self) -> None:
        # The first refusal of an episode is written at once, so an operator
        # sees it; the rest together, at most once a second.
        while self.unreported:
            count, self.unreported = self.unreported, 0
            episode = self.episode
            report = FloodReport(
                refused=count,
                episode_refused=self.episode_refused,
                started_at=self.episode_started,
                limits=self.limits.described,
                closed=self.episode_closed,
            )
            event_id = await gateway_db(
                chargepoint_flood_record,
                chargepoint_id=self.chargepoint_id,
                report=report,
                event_id=self.event_id,
            )
            if episode == self.episode:
                self.event_id = event_id
            await asyncio.sleep(REPORT_SECONDS)

    def _reported(self, task: asyncio.Task) -> None:
        self.reporter = None
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "%s: refused frames not counted", self.chargepoint_id, exc_info=task.exception()
            )


# -- the buckets of the chargers connected to this process --------------------------

_registry: dict[str, FloodLimit] = {}
_prune_at = PRUNE_FROM


def flood_limit_for(chargepoint_id: str) -> FloodLimit:
    """The charger's buckets, for a connection of it that starts (on the event loop).

    A charger reconnecting gets back the buckets its last connection left:
    closed for flooding, it cannot earn a new burst by reconnecting. Only
    buckets that are full again are ever dropped, so dropping one changes
    nothing a charger can notice.
    """
    global _prune_at
    limits = limits_from_settings()
    limit = _registry.get(chargepoint_id)
    if limit is None or limit.limits is not limits:
        if len(_registry) >= _prune_at:
            now = monotonic()
            for key in [key for key, kept in _registry.items() if kept.idle(now)]:
                del _registry[key]
            # Pruned again once it has doubled: a constant cost per connection.
            _prune_at = max(PRUNE_FROM, 2 * len(_registry))
        limit = _registry[chargepoint_id] = FloodLimit(chargepoint_id, limits)
    return limit

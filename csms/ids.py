"""Keys for rows written in time order."""

import random
import time
import uuid

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0x2 << 62


def uuid7() -> uuid.UUID:
    """A UUID version 7 (RFC 9562 §5.7): Unix time in milliseconds, then 74 random bits.

    Readings and status reports are keyed by UUID (seed 000). Random keys
    (version 4) scatter every insert over the whole key index, so each commit
    rewrites pages all over it; keys in time order land at its end. The
    random bits only tell apart rows of one millisecond: a key is an
    identifier, never a secret (nothing is granted to whoever knows one), so
    they come from the fast generator, not from the system's entropy.
    """
    random_a, random_b = random.getrandbits(12), random.getrandbits(62)
    milliseconds = time.time_ns() // 1_000_000
    return uuid.UUID(
        int=(milliseconds << 80) | _VERSION_7 | (random_a << 64) | _VARIANT_RFC | random_b
    )

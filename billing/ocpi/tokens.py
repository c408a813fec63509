"""The credentials tokens we issue to partners (tokens A and C), and how we keep them.

We keep a token's SHA-256, never the token: we only ever compare what a
partner presents, so a database copy or an operator's screen gives no one a
partner's access. A fast hash is enough because the tokens are 256 random
bits (``secrets.token_urlsafe(32)``): unlike a password, there is nothing to
guess that a slow hash would protect. It also lets the database find the
partner by the hash, with its unique index, instead of checking every row.
"""

import hashlib
import secrets


def token_new() -> str:
    # Credentials §7.3.1: at most 64 printable characters; this is 43.
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What we store of a token we issued: 64 hex characters; "" stays "" (no token)."""
    if not token:
        return ""
    return hashlib.sha256(token.encode()).hexdigest()

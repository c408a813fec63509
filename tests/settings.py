"""Settings for the test run: the project's own, with cheap password hashing.

Servers that end-to-end tests start run on ``csms.settings`` (tests/server.py);
only the test process itself uses this module.
"""

from csms.settings import *  # noqa: F403

# Hashing a password with the production work factor costs about a second of
# CPU, and most tests make a user or two. Tests about hashing itself set the
# hasher they check (tests/accounts/test_password_hashing.py). Charger
# passwords keep their own hasher: it is named explicitly, never chosen by
# this list (chargepoints/services/connections.py).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "chargepoints.hashers.ChargerPasswordHasher",
]

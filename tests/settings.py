"""Settings for the test run: the project's own defaults, with cheap password hashing.

Servers that end-to-end tests start run on ``csms.settings`` (tests/server.py);
only the test processes themselves use this module.
"""

import os

# What a developer exported for their own server (CSMS_AUTO_REGISTER=1, a
# REDIS_URL, a TIME_ZONE, ...) must not change what the tests see: they start
# from the defaults. The servers the tests start inherit this environment.
# DATABASE_URL stays: it is how `make test-postgres` picks PostgreSQL, and so
# do the options of the test run itself (tests/browser/conftest.py).
_TEST_RUN_OPTIONS = {"CSMS_SKIP_BROWSER", "CSMS_SCREENSHOT_DIR"}
for _name in list(os.environ):
    if (_name.startswith("CSMS_") and _name not in _TEST_RUN_OPTIONS) or _name in {
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DEBUG",
        "LOG_LEVEL",
        "MEDIA_ROOT",
        "REDIS_URL",
        "SECRET_KEY",
        "SQLITE_PATH",
        "TIME_ZONE",
    }:
        del os.environ[_name]

# DEBUG stays off, as in production; a production start needs a strong key.
os.environ["SECRET_KEY"] = "tests-only-secret-key-" + "0123456789abcdef" * 3
# Most tests connect chargers without credentials (security profile 0);
# the admission tests switch the production default back on.
os.environ["CSMS_REQUIRE_CHARGER_AUTH"] = "0"

from csms.settings import *  # noqa: E402, F403

# Hashing a password with the production work factor costs about a second of
# CPU, and most tests make a user or two. tests/accounts/test_password_hashing.py
# checks the production hasher. Charger passwords keep their own hasher: it is
# named explicitly, never chosen by this list (chargepoints/services/connections.py).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "chargepoints.hashers.ChargerPasswordHasher",
]

# Text messages (password reset codes) are kept in
# accounts.senders.OutboxSender.outbox, as Django's test runner keeps e-mail.
CSMS_SMS_SENDER = "accounts.senders.OutboxSender"

# No expiry timer in the test processes' own event loops: tests run the
# sweep themselves (tests/chargepoints/test_expiry.py).
CSMS_EXPIRY_INTERVAL = 0

# Files the tests make (photos, admin uploads waiting for their confirmation)
# go to a folder of this test process, never the checkout's media/.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="csms-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

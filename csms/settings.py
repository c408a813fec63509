"""Settings, read from the environment.

Out of the box the CSMS runs on SQLite (WAL) and the in-memory channel layer in
one process. DATABASE_URL switches to PostgreSQL, REDIS_URL to channels-redis
so several server processes can share the charger connections (docs/architecture.md rule 6).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from csms.env import env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent


# Off unless asked for: the debug page shows settings (database and Redis
# URLs with their passwords) to anyone who can make a request fail. The local
# demo (`make run`) and the servers the tests start turn it on explicitly.
DEBUG = env_bool("DEBUG", False)

# A development key is only acceptable while DEBUG is on. Refuse to start a
# production server with a missing or guessable key: sessions, CSRF tokens and
# password reset links could be forged. Weak is what Django's own deploy
# check calls weak (security.W009).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the CSMS refuses to start without a secret "
            "key: set the SECRET_KEY environment variable to a long random string, e.g. the "
            "output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if (
        len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
        or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak. With DEBUG off it must have at least "
            f"{SECRET_KEY_MIN_LENGTH} characters, {SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them "
            f"different, and must not start with {SECRET_KEY_INSECURE_PREFIX!r}, e.g. the "
            "output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
if not SECRET_KEY:
    SECRET_KEY = SECRET_KEY_INSECURE_PREFIX + "development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# How many reverse proxies stand between clients and this server, each adding
# the address it saw to X-Forwarded-For. A client's address is the one the
# outermost trusted proxy saw (csms/clients.py): with 0, the header is
# ignored, so no client picks its own address to dodge a throttle or lock-out.
CSMS_TRUSTED_PROXIES = int(os.environ.get("CSMS_TRUSTED_PROXIES", "0"))
if CSMS_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("CSMS_TRUSTED_PROXIES must be 0 or more.")

INSTALLED_APPS = [
    "daphne",
    "csms.apps.CsmsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "phonenumber_field",
    "import_export",
    "csms",
    "accounts",
    "chargepoints",
    "billing",
    "ocpp_gateway",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Messages in the language the request asks for (Accept-Language), and
    # a Content-Language header saying which one it got.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Turns a locked-out login (django-axes) into its answer (csms/lockout.py).
    "axes.middleware.AxesMiddleware",
    # Moments under /api/ in UTC with "Z", whatever TIME_ZONE is (RFC 3339).
    "csms.api.middleware.UTCMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # RateLimit-Policy and RateLimit on API answers (accounts/api/throttling.py).
    "accounts.api.throttling.rate_limit_headers",
]

ROOT_URLCONF = "csms.urls"
ASGI_APPLICATION = "csms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in WAL mode unless DATABASE_URL names another one.
# WAL lets the admin read while the gateway writes; IMMEDIATE transactions take
# the write lock up front, so two writers wait instead of failing with
# "database is locked" halfway through a transaction. A 64 MiB page cache and
# memory-mapped reads keep the indexes every meter value extends in memory
# (SQLite's default cache is 2 MiB; make bench: +7% meter values/s).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Django's docs: under ASGI, persistent connections must stay off
    # (conn_max_age=0); each request and each sync call gets its own.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    " PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

# How long a charger's WebSocket handshake may take, admission included.
# Daphne's own default (5 s) drops chargers reconnecting all at once after an
# outage, when admission waits behind the others' database work.
CSMS_HANDSHAKE_TIMEOUT = float(os.environ.get("CSMS_HANDSHAKE_TIMEOUT", "60"))

# Channel layer: in-memory for one process, Redis when several processes serve.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "csms.channel_layers.PooledRedisChannelLayer",
            # redis-py waits 5 s for any answer by default, exactly as long as
            # channels_redis blocks waiting for a message: an idle consumer's
            # read then timed out and closed the charger's connection. Reads
            # may take longer than the blocking wait; connecting may not.
            # When every pooled connection is busy (a fleet reconnecting), a
            # handshake waits for one as long as a handshake may take, rather
            # than failing with a 500 after redis-py's 20 s.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "socket_connect_timeout": 5,
                        "max_connections": 100,
                        "timeout": CSMS_HANDSHAKE_TIMEOUT,
                    }
                ]
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "csms.channel_layers.SweptInMemoryChannelLayer"}}

# The REST API: DRF, drf-spectacular and knox (csms/api_settings.py).
from csms.api_settings import (  # noqa: E402, F401
    CSMS_TOKEN_TTL_DAYS,
    REST_FRAMEWORK,
    REST_KNOX,
    SPECTACULAR_SETTINGS,
)

# Throttles count per client address, read as csms/clients.py reads it.
REST_FRAMEWORK["NUM_PROXIES"] = CSMS_TRUSTED_PROXIES

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt from a locked-out client before a password is hashed.
    "csms.lockout.ClientLockoutBackend",
    "accounts.backends.AccountBackend",
]
# Lock-out after repeated failed logins, for the API and the admin alike:
# CSMS_LOGIN_FAILURE_LIMIT failures from one client address, whatever the
# usernames tried, lock that address out for CSMS_LOGIN_LOCKOUT_MINUTES.
# Each lock-out is logged (logger "axes") and listed in the admin.
AXES_FAILURE_LIMIT = int(os.environ.get("CSMS_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("CSMS_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
# Failures expire after the cool-off, never sooner: were a success to clear
# them, a guesser would log in to an account of their own between guesses.
AXES_RESET_ON_SUCCESS = False
# Logs and the admin's list of attempts name the address, an operator's first
# question; never the usernames tried, often a password typed in the wrong field.
AXES_SENSITIVE_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "csms.lockout.username_not_kept"
AXES_CLIENT_IP_CALLABLE = "csms.clients.request_client_address"
AXES_LOCKOUT_CALLABLE = "csms.lockout.lockout_response"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Phone numbers are stored in E.164. Numbers written without a country prefix
# are read in this region (e.g. "TH" so "081 234 5678" is accepted).
PHONENUMBER_DEFAULT_REGION = os.environ.get("CSMS_PHONE_REGION") or None
PHONENUMBER_DB_FORMAT = "E164"

LANGUAGE_CODE = "en-us"
# The languages the API and the admin answer in (Accept-Language); our own
# messages' translations are in locale/ (`make messages`).
LANGUAGES = [("en", "English"), ("th", "Thai")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The browser libraries the admin's dashboard draws with, installed from npm
# by `make install` (package.json) and served from here: no CDN, so the
# dashboard works on a network without the internet.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve straight from the apps' static folders in development, so the admin has
# its CSS without a collectstatic step.
WHITENOISE_USE_FINDERS = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The CSMS serves on one port: admin, API and OCPP WebSocket (seed 004: 9000).
CSMS_HOST = os.environ.get("CSMS_HOST", "127.0.0.1")
CSMS_PORT = int(os.environ.get("CSMS_PORT", "9000"))
# TLS for chargers (security profile 2) and the admin: a PEM certificate chain
# and its private key. Both or neither.
CSMS_TLS_CERT = os.environ.get("CSMS_TLS_CERT", "")
CSMS_TLS_KEY = os.environ.get("CSMS_TLS_KEY", "")
# Or: a reverse proxy in front terminates TLS and says so in X-Forwarded-Proto.
# Only for a server reachable through that proxy alone, or any client could
# claim a secure connection.
CSMS_TLS_PROXY = env_bool("CSMS_TLS_PROXY", False)
if CSMS_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if CSMS_TLS_CERT or CSMS_TLS_PROXY:
    # Cookies never leave over plain HTTP; plain requests (possible behind a
    # proxy) are sent to https://, but the health check a container runtime
    # makes on the backend port.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    if not DEBUG:
        # Browsers then refuse plain HTTP to this host for a year. Not on a
        # developer's machine, where it would outlive the experiment.
        SECURE_HSTS_SECONDS = int(os.environ.get("CSMS_HSTS_SECONDS", str(365 * 24 * 3600)))
        SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CSMS_HSTS_INCLUDE_SUBDOMAINS", True)
        SECURE_HSTS_PRELOAD = env_bool("CSMS_HSTS_PRELOAD", True)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "chargepoints.hashers.ChargerPasswordHasher",
]

# Bulk imports and exports in the admin (django-import-export): a whole file
# or nothing, in one transaction; exporting a list needs the right to view it.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
# An upload waits for its confirmation in MEDIA_ROOT/django-import-export/,
# which all server processes share and no URL serves (csms/imports/uploads.py);
# import-export's default, a folder under /tmp, is each process's own.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "csms.imports.uploads.UploadStorage"
# A control character a charger sent (a vendor "Acme\x07") cannot be in an
# xlsx cell: it is written as U+FFFD rather than failing the whole export.
# Formulae are escaped by csms/imports/cells.py (import-export's own
# IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT drops a leading "=" and turns
# every cell into text).
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The ocpp library logs every frame at INFO; the gateway keeps its own log
    # (OCPPMessage), so only the library's warnings are worth printing.
    # django-axes logs every failed login at INFO; its lock-outs are warnings.
    "loggers": {"ocpp": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# What the CSMS itself reads (CSMS_*): the gateway, commands, sessions, OCPI, limits.
from csms.csms_settings import *  # noqa: E402, F403

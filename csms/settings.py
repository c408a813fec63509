"""Settings, read from the environment.

Out of the box the CSMS runs on SQLite (WAL) and the in-memory channel layer in
one process. DATABASE_URL switches to PostgreSQL, REDIS_URL to channels-redis
so several server processes can share the charger connections (docs/architecture.md rule 6).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# A development key is only acceptable while DEBUG is on. Refuse to start a
# production server with a guessable key: sessions and tokens could be forged.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the CSMS refuses to start without a secret "
            "key: set the SECRET_KEY environment variable to a long random string."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "phonenumber_field",
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
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

REST_FRAMEWORK = {
    # DRF's own, but for JSON nested too deeply (csms/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "csms.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Token first: an anonymous API call is answered 401 with a challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "csms.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("CSMS_THROTTLE_ANON", "120/min"),
        # Login and registration, per client address: slows password guessing.
        "login": os.environ.get("CSMS_THROTTLE_LOGIN", "10/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "csms.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "csms.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CSMS API",
    "DESCRIPTION": (
        "REST API of the CSMS for driver apps and integrations. Authenticate with "
        "`Authorization: Token <token>` (POST /api/v1/auth/login/). Live updates of a "
        "transaction: WebSocket /ws/v1/transactions/{id}/?token=<token>."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1/",
    # Separate request and response components: write-only and read-only
    # fields then appear only where they apply.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package, never a CDN: a site's
    # CSMS is often on a network without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set, named after its enum.
    "ENUM_NAME_OVERRIDES": {
        "AvailabilityEnum": "chargepoints.enums.AvailabilityType",
        "ChargePointStatusEnum": "chargepoints.enums.ChargePointStatus",
        "CommandStatusEnum": "chargepoints.enums.CommandStatus",
        "ConnectorTypeEnum": "accounts.enums.ConnectorType",
        "IdTokenTypeEnum": "accounts.enums.IdTokenType",
        "NormalizedStatusEnum": "chargepoints.enums.NormalizedStatus",
        "ReservationStatusEnum": "chargepoints.enums.ReservationStatus",
        "SessionStatusEnum": "chargepoints.enums.SessionStatus",
        "TimeZoneEnum": "csms.api.fields.TIME_ZONES",
        "TransactionStatusEnum": "chargepoints.enums.TransactionStatus",
        "NotificationTypeEnum": "accounts.enums.NotificationType",
        "UserStatusEnum": "accounts.enums.UserStatus",
        "VehicleTypeEnum": "accounts.enums.VehicleType",
        "TariffTypeEnum": "billing.enums.TariffType",
    },
}

# API tokens (django-rest-knox): stored as a hash, one per device, expiring
# after this many days without use (each use pushes the expiry back).
CSMS_TOKEN_TTL_DAYS = float(os.environ.get("CSMS_TOKEN_TTL_DAYS", "30"))
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=CSMS_TOKEN_TTL_DAYS),
    "AUTO_REFRESH": True,
    # A user's devices: logging in on one more removes none of the others,
    # but there is a bound (knox answers 403 beyond it).
    "TOKEN_LIMIT_PER_USER": int(os.environ.get("CSMS_TOKENS_PER_USER", "20")),
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountBackend"]
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
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# OCPP gateway.
# Unknown chargers are refused unless auto-registration is on (a home with one
# wallbox); auto-registered chargers are answered with this boot status until
# an operator decides (Accepted or Pending).
CSMS_AUTO_REGISTER = env_bool("CSMS_AUTO_REGISTER", False)
CSMS_AUTO_REGISTER_STATUS = os.environ.get("CSMS_AUTO_REGISTER_STATUS", "Accepted")
if CSMS_AUTO_REGISTER_STATUS not in {"Accepted", "Pending"}:
    raise ImproperlyConfigured("CSMS_AUTO_REGISTER_STATUS must be Accepted or Pending.")
CSMS_HEARTBEAT_INTERVAL = int(os.environ.get("CSMS_HEARTBEAT_INTERVAL", "300"))
CSMS_BOOT_RETRY_INTERVAL = int(os.environ.get("CSMS_BOOT_RETRY_INTERVAL", "60"))
CSMS_MAX_FRAME_BYTES = int(os.environ.get("CSMS_MAX_FRAME_BYTES", str(64 * 1024)))
CSMS_MESSAGE_RETENTION_DAYS = int(os.environ.get("CSMS_MESSAGE_RETENTION_DAYS", "90"))

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "chargepoints.hashers.ChargerPasswordHasher",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The ocpp library logs every frame at INFO; the gateway keeps its own log
    # (OCPPMessage), so only the library's warnings are worth printing.
    "loggers": {"ocpp": {"level": "WARNING"}},
}

# Commands to chargers: how long the charger has to answer, how long an API
# request or admin action waits for that answer before returning the pending
# record, and how long a connection has to take a command before the charger
# counts as offline.
CSMS_COMMAND_TIMEOUT = float(os.environ.get("CSMS_COMMAND_TIMEOUT", "30"))
CSMS_COMMAND_WAIT = float(os.environ.get("CSMS_COMMAND_WAIT", "10"))
CSMS_COMMAND_ACK_TIMEOUT = float(os.environ.get("CSMS_COMMAND_ACK_TIMEOUT", "5"))

# Threads (and database connections) the gateway writes with, per server
# process (ocpp_gateway/db.py). SQLite writes one at a time: one. A database
# server is waited on over the network: several keep it busy.
CSMS_DB_WRITERS = int(os.environ.get("CSMS_DB_WRITERS", "4" if DATABASE_URL else "1"))

# Driver sessions started from the API: a charger that accepted a remote
# start but began no transaction within this many seconds (no car plugged
# in) leaves the session TIMEOUT.
CSMS_SESSION_START_TIMEOUT = float(os.environ.get("CSMS_SESSION_START_TIMEOUT", "180"))
# The longest a reservation may hold a connector, for drivers and operators.
CSMS_RESERVATION_MAX_HOURS = float(os.environ.get("CSMS_RESERVATION_MAX_HOURS", "24"))
# How often the server settles sessions and reservations that end by time
# alone (chargepoints/services/expiry.py); 0 switches the timer off.
CSMS_EXPIRY_INTERVAL = float(os.environ.get("CSMS_EXPIRY_INTERVAL", "60"))

# Who we are on OCPI 2.2.1 (credentials §7.3.1): the CPO's country code and
# party id (ISO 15118), used for CDRs and sessions of chargers without a
# location, and the name shown to roaming partners.
CSMS_OCPI_COUNTRY_CODE = os.environ.get("CSMS_OCPI_COUNTRY_CODE", "DE").upper()
CSMS_OCPI_PARTY_ID = os.environ.get("CSMS_OCPI_PARTY_ID", "CSM").upper()
CSMS_OCPI_BUSINESS_NAME = os.environ.get("CSMS_OCPI_BUSINESS_NAME", "CSMS")
# The currency of sessions on connectors without a tariff (free of charge).
CSMS_CURRENCY = os.environ.get("CSMS_CURRENCY", "EUR").upper()

# OCPI registration and credential URLs a partner gives us are called by this
# server. Outside DEBUG they must be https:// and must not resolve to loopback,
# link-local or private addresses (a partner could make us probe the internal
# network) unless this is on, e.g. for partners on a private interconnect.
CSMS_OCPI_ALLOW_PRIVATE_URLS = env_bool("CSMS_OCPI_ALLOW_PRIVATE_URLS", False)

# Request bodies: anything larger is refused (413) before it is read whole.
# Profile photos may be larger than other bodies, up to their own limit, and
# are refused beyond a pixel count however small their file.
CSMS_MAX_REQUEST_BYTES = int(os.environ.get("CSMS_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))
CSMS_MAX_PHOTO_BYTES = int(os.environ.get("CSMS_MAX_PHOTO_BYTES", str(8 * 1024 * 1024)))
CSMS_MAX_PHOTO_PIXELS = int(os.environ.get("CSMS_MAX_PHOTO_PIXELS", str(24_000_000)))

"""The CSMS's own settings (CSMS_*), read from the environment; csms/settings.py includes them."""

import os

from django.core.exceptions import ImproperlyConfigured

from csms.env import env_bool, env_list

# OCPP gateway.
# Unknown chargers are refused unless auto-registration is on (a home with one
# wallbox); auto-registered chargers are answered with this boot status until
# an operator decides (Accepted or Pending).
CSMS_AUTO_REGISTER = env_bool("CSMS_AUTO_REGISTER", False)
# Pending: the charger may boot, heartbeat and report status, but authorizes
# no one and bills nothing until an operator accepts it.
CSMS_AUTO_REGISTER_STATUS = os.environ.get("CSMS_AUTO_REGISTER_STATUS", "Pending")
if CSMS_AUTO_REGISTER_STATUS not in {"Accepted", "Pending"}:
    raise ImproperlyConfigured("CSMS_AUTO_REGISTER_STATUS must be Accepted or Pending.")
# At most this many chargers auto-registered per minute, across all processes:
# a script cycling through random ids fills no table. 0: no cap.
CSMS_AUTO_REGISTER_PER_MINUTE = int(os.environ.get("CSMS_AUTO_REGISTER_PER_MINUTE", "10"))

# Charger credentials (OCPP security profiles). With this on, no charger
# connects below security profile 1 (a password); it is on unless DEBUG is.
CSMS_REQUIRE_CHARGER_AUTH = env_bool("CSMS_REQUIRE_CHARGER_AUTH", not env_bool("DEBUG", False))
if CSMS_REQUIRE_CHARGER_AUTH and CSMS_AUTO_REGISTER:
    raise ImproperlyConfigured(
        "CSMS_AUTO_REGISTER needs CSMS_REQUIRE_CHARGER_AUTH=0: a charger registered "
        "by its first connection has no credentials."
    )
# Security profile 3: the CA bundle (PEM) that client certificates must chain
# to, and the subject field that must equal the charge point id.
CSMS_TLS_CLIENT_CA = os.environ.get("CSMS_TLS_CLIENT_CA", "")
CSMS_TLS_CLIENT_CERT_FIELD = os.environ.get("CSMS_TLS_CLIENT_CERT_FIELD", "CN")
# Failed charger logins: after this many from one charge point id or one
# address, each further failure locks it out for twice as long as the last,
# from the first lock-out up to the longest.
CSMS_CHARGER_AUTH_FAILURES = int(os.environ.get("CSMS_CHARGER_AUTH_FAILURES", "5"))
CSMS_CHARGER_LOCKOUT_SECONDS = float(os.environ.get("CSMS_CHARGER_LOCKOUT_SECONDS", "30"))
CSMS_CHARGER_LOCKOUT_MAX_SECONDS = float(os.environ.get("CSMS_CHARGER_LOCKOUT_MAX_SECONDS", "3600"))
# Flood limits per charger (in each server process): frames per second
# (sustained, with a burst), and bytes per minute; 0 switches one off. Frames
# over them are neither processed nor stored, and a CALL among them gets a
# CALLERROR. A charger refused this many frames in one episode (refusals less
# than burst / rate seconds apart) is disconnected (close code 4008); 0: never.
# The burst lets a charger replay an offline queue of a thousand messages at
# the speed of the round trip (hundreds a second on a LAN) without a refusal.
CSMS_CHARGER_FRAMES_PER_SECOND = float(os.environ.get("CSMS_CHARGER_FRAMES_PER_SECOND", "20"))
CSMS_CHARGER_FRAME_BURST = int(os.environ.get("CSMS_CHARGER_FRAME_BURST", "1000"))
CSMS_CHARGER_BYTES_PER_MINUTE = int(
    os.environ.get("CSMS_CHARGER_BYTES_PER_MINUTE", str(4 * 1024 * 1024))
)
CSMS_CHARGER_FLOOD_CLOSE_AFTER = int(os.environ.get("CSMS_CHARGER_FLOOD_CLOSE_AFTER", "100"))

# Server processes: each writes a heartbeat row this often; one whose row is
# older than the stale age is taken for dead, and its chargers for offline.
CSMS_PROCESS_HEARTBEAT_INTERVAL = float(os.environ.get("CSMS_PROCESS_HEARTBEAT_INTERVAL", "10"))
CSMS_PROCESS_STALE_AFTER = float(os.environ.get("CSMS_PROCESS_STALE_AFTER", "60"))
# An ACTIVE transaction its charger has said nothing about for this long is
# closed and flagged for review (0: never by silence alone).
CSMS_TRANSACTION_SILENCE_HOURS = float(os.environ.get("CSMS_TRANSACTION_SILENCE_HOURS", "48"))
# Browser pages that may open a charger's connection (a web-based simulator);
# any other handshake carrying an Origin header is refused. Chargers send none.
CSMS_OCPP_ALLOWED_ORIGINS = env_list("CSMS_OCPP_ALLOWED_ORIGINS", [])
CSMS_HEARTBEAT_INTERVAL = int(os.environ.get("CSMS_HEARTBEAT_INTERVAL", "300"))
CSMS_BOOT_RETRY_INTERVAL = int(os.environ.get("CSMS_BOOT_RETRY_INTERVAL", "60"))
CSMS_MAX_FRAME_BYTES = int(os.environ.get("CSMS_MAX_FRAME_BYTES", str(64 * 1024)))
CSMS_MESSAGE_RETENTION_DAYS = int(os.environ.get("CSMS_MESSAGE_RETENTION_DAYS", "90"))

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
CSMS_DB_WRITERS = int(
    os.environ.get("CSMS_DB_WRITERS", "4" if os.environ.get("DATABASE_URL") else "1")
)

# Driver sessions started from the API: a charger that accepted a remote
# start but began no transaction within this many seconds (no car plugged
# in) leaves the session TIMED_OUT (decided by the periodic sweep).
CSMS_SESSION_START_TIMEOUT = float(os.environ.get("CSMS_SESSION_START_TIMEOUT", "180"))
# A driver's stop at an offline charger: an OCPP charger charges on without
# its connection and reports the end when it is back, so the CSMS closes the
# transaction for the driver only once nothing was heard of the charger (no
# connection, no message) for this many seconds; before, the driver is told
# when to ask again (409 charger_offline, Retry-After).
CSMS_DRIVER_CLOSE_OFFLINE_AFTER = float(os.environ.get("CSMS_DRIVER_CLOSE_OFFLINE_AFTER", "900"))
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
# Roaming (billing/ocpi): settings of the OCPI 2.2.1 receiver modules and pushes.
from csms.ocpi_settings import *  # noqa: E402, F403

# Request bodies: anything larger is refused (413) before it is read whole.
# Profile photos may be larger than other bodies, up to their own limit, and
# are refused beyond a pixel count however small their file.
CSMS_MAX_REQUEST_BYTES = int(os.environ.get("CSMS_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))
CSMS_MAX_PHOTO_BYTES = int(os.environ.get("CSMS_MAX_PHOTO_BYTES", str(8 * 1024 * 1024)))
CSMS_MAX_PHOTO_PIXELS = int(os.environ.get("CSMS_MAX_PHOTO_PIXELS", str(24_000_000)))
# Imports (manage.py import_* and the admin): a file with more lines (rows,
# objects) than this is refused before any is checked; an Excel file is
# refused unread when it would expand to more than 2 KB a line (a small
# .xlsx can hold a million rows).
CSMS_IMPORT_MAX_LINES = int(os.environ.get("CSMS_IMPORT_MAX_LINES", "100000"))

# The admin dashboard's map of locations: a tile server's URL template
# ({z}/{x}/{y}), e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png, and the
# attribution its licence asks for. Empty (the default): no map is shown, so
# a network without the internet gets no broken map.
CSMS_MAP_TILE_URL = os.environ.get("CSMS_MAP_TILE_URL", "")
CSMS_MAP_TILE_ATTRIBUTION = os.environ.get("CSMS_MAP_TILE_ATTRIBUTION", "")

# Password reset by a one-time code sent by SMS (accounts/services/password_reset.py):
# the sender class (accounts/senders.py; anything with send(to, text)). Empty:
# no reset by SMS (the API answers 503); DEBUG writes messages to the log.
CSMS_SMS_SENDER = os.environ.get(
    "CSMS_SMS_SENDER", "accounts.senders.ConsoleSender" if env_bool("DEBUG", False) else ""
)
# How long a sender may take to hand a message over (seconds).
CSMS_SMS_TIMEOUT = float(os.environ.get("CSMS_SMS_TIMEOUT", "10"))
# accounts.senders.TwilioSender: the account and the number (or messaging
# service) messages come from. The URL changes only for a test double.
CSMS_SMS_TWILIO_ACCOUNT_SID = os.environ.get("CSMS_SMS_TWILIO_ACCOUNT_SID", "")
CSMS_SMS_TWILIO_AUTH_TOKEN = os.environ.get("CSMS_SMS_TWILIO_AUTH_TOKEN", "")
CSMS_SMS_TWILIO_FROM = os.environ.get("CSMS_SMS_TWILIO_FROM", "")
CSMS_SMS_TWILIO_MESSAGING_SERVICE_SID = os.environ.get("CSMS_SMS_TWILIO_MESSAGING_SERVICE_SID", "")
CSMS_SMS_TWILIO_URL = os.environ.get("CSMS_SMS_TWILIO_URL", "https://api.twilio.com")
# Digits of a code, how long it is valid (seconds), and how many wrong tries
# kill it. 6 digits and 5 tries: one chance in 200,000 per code; how many
# codes a number may be sent is CSMS_THROTTLE_PASSWORD_RESET.
CSMS_PASSWORD_RESET_CODE_LENGTH = int(os.environ.get("CSMS_PASSWORD_RESET_CODE_LENGTH", "6"))
if not 4 <= CSMS_PASSWORD_RESET_CODE_LENGTH <= 12:
    raise ImproperlyConfigured("CSMS_PASSWORD_RESET_CODE_LENGTH must be between 4 and 12.")
CSMS_PASSWORD_RESET_CODE_TTL = int(os.environ.get("CSMS_PASSWORD_RESET_CODE_TTL", "600"))
CSMS_PASSWORD_RESET_MAX_ATTEMPTS = int(os.environ.get("CSMS_PASSWORD_RESET_MAX_ATTEMPTS", "5"))

# The problem type URIs of the API's errors are this plus the error's code
# (RFC 9457 §3.1.1). The default names no real site: point it at your own
# documentation of the codes if you publish one.
CSMS_PROBLEM_BASE_URL = os.environ.get("CSMS_PROBLEM_BASE_URL", "https://csms.invalid/problems/")

"""The CSMS's own settings (CSMS_*), read from the environment; csms/settings.py includes them."""

import os

from django.core.exceptions import ImproperlyConfigured

from csms.env import env_bool, env_list

# OCPP gateway.
# Unknown chargers are refused unless auto-registration is on (a home with one
# wallbox); auto-registered chargers are answered with this boot status until
# an operator decides (Accepted or Pending).
CSMS_AUTO_REGISTER = env_bool("CSMS_AUTO_REGISTER", False)
CSMS_AUTO_REGISTER_STATUS = os.environ.get("CSMS_AUTO_REGISTER_STATUS", "Accepted")
if CSMS_AUTO_REGISTER_STATUS not in {"Accepted", "Pending"}:
    raise ImproperlyConfigured("CSMS_AUTO_REGISTER_STATUS must be Accepted or Pending.")
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

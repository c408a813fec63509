"""Roaming settings (CSMS_OCPI_*, CSMS_PRICING_*): the receiver modules, the pushes to
partners, and what the cost engine assumes; csms/csms_settings.py includes them."""

import os

from django.core.exceptions import ImproperlyConfigured

# Pushes to partners (billing/ocpi/outbox.py): how often each server process
# looks for changes to push and for pushes due; 0 switches pushing off.
CSMS_OCPI_PUSH_INTERVAL = float(os.environ.get("CSMS_OCPI_PUSH_INTERVAL", "2"))
# A running session is PATCHed with its periods and cost at most this often
# (seconds); its start and its end leave at the next push.
CSMS_OCPI_SESSION_PUSH_INTERVAL = float(os.environ.get("CSMS_OCPI_SESSION_PUSH_INTERVAL", "60"))
# How long one call to a partner may take (seconds) before it counts as failed.
CSMS_OCPI_PUSH_TIMEOUT = float(os.environ.get("CSMS_OCPI_PUSH_TIMEOUT", "10"))
# A failed push is retried after 30 s, then twice as long each time up to an
# hour, and given up (left FAILED in the admin, to retry by hand) after this
# many attempts.
CSMS_OCPI_PUSH_MAX_ATTEMPTS = int(os.environ.get("CSMS_OCPI_PUSH_MAX_ATTEMPTS", "12"))
# Real-time authorization (tokens §12.3.2.2): how long a charger's Authorize
# waits for the eMSP (seconds) before the token's whitelist rule decides.
CSMS_OCPI_AUTHORIZE_TIMEOUT = float(os.environ.get("CSMS_OCPI_AUTHORIZE_TIMEOUT", "3"))
# How long an eMSP's yes (real-time, or with a START_SESSION) lets its token
# start a transaction at our chargers (seconds).
CSMS_OCPI_AUTHORIZATION_TTL = float(os.environ.get("CSMS_OCPI_AUTHORIZATION_TTL", "900"))
# Commands (commands §13.3.1): the timeout we announce in a CommandResponse,
# the longest we may take to POST its CommandResult (seconds).
CSMS_OCPI_COMMAND_TIMEOUT = int(os.environ.get("CSMS_OCPI_COMMAND_TIMEOUT", "60"))

# The cost engine (billing/pricing): a restriction on current (min_current,
# max_current) for a period whose current is unknown and cannot be derived
# from power and voltage. "match" (the default, as other OCPI engines do):
# the restriction applies, so an unknown value never makes charging cheaper.
# "no_match": it does not apply. Either way, the CDR says so (pricing_notes).
CSMS_PRICING_UNKNOWN_CURRENT = os.environ.get("CSMS_PRICING_UNKNOWN_CURRENT", "match")
if CSMS_PRICING_UNKNOWN_CURRENT not in {"match", "no_match"}:
    raise ImproperlyConfigured("CSMS_PRICING_UNKNOWN_CURRENT must be match or no_match.")
# The grid's nominal phase voltage (V), to derive current from power where a
# charger reports power but not voltage.
CSMS_PRICING_NOMINAL_VOLTAGE = float(os.environ.get("CSMS_PRICING_NOMINAL_VOLTAGE", "230"))

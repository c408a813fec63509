"""The periodic sweep: what ends by time alone is written here, never by a read.

A driver's session whose start command failed or whose charger never
started a transaction, a reservation past its expiry date, a transaction
nothing was heard of for ``CSMS_TRANSACTION_SILENCE_HOURS`` and an
idempotency key older than a day end without a message from the charger. The server runs this every
``CSMS_EXPIRY_INTERVAL`` seconds (csms/asgi.py), ``manage.py expire_sessions``
runs it once. A session's status is what was written: reads decide nothing.
"""

import datetime

from accounts.services.idempotency import idempotency_keys_expire
from chargepoints.services.command_secrets import command_secrets_expire
from chargepoints.services.driving import reservations_expire
from chargepoints.services.session_states import charging_sessions_refresh
from chargepoints.services.transaction_closing import transactions_close_silent


def charging_requests_expire(*, now: datetime.datetime | None = None) -> None:
    """Settle sessions still waiting on their charger, expire reservations, close silent
    transactions."""
    charging_sessions_refresh(now=now)
    reservations_expire(now=now)
    transactions_close_silent(now=now)
    # A charger's new password left in a command no one will end (a crashed
    # process, with no heartbeat sweep): ended and masked.
    command_secrets_expire(now=now)
    # Idempotency keys are remembered for a day (accounts.services.idempotency).
    idempotency_keys_expire(now=now)

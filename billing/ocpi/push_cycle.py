"""One round of pushes to partners (OCPI 2.2.1, CPO role), run by every server process
every CSMS_OCPI_PUSH_INTERVAL seconds (csms/asgi.py) and by ``manage.py ocpi_push``.

The collectors read the database for what changed (sessions, CDRs, EVSE
statuses, tariffs, partners' command results) and queue pushes in the
outbox; then the outbox sends what is due. Nothing here runs on a charger's
message path: a charger's frame only writes its rows, and this finds them.
"""

import logging

from django.utils import timezone

from billing.ocpi.command_results import ocpi_command_results_collect
from billing.ocpi.outbox import ocpi_outbox_deliver
from billing.ocpi.push_cdrs import ocpi_cdrs_collect
from billing.ocpi.push_locations import ocpi_evse_statuses_collect
from billing.ocpi.push_sessions import ocpi_sessions_collect
from billing.ocpi.push_tariffs import ocpi_tariffs_collect

logger = logging.getLogger(__name__)

COLLECTORS = (
    ocpi_sessions_collect,
    ocpi_cdrs_collect,
    ocpi_evse_statuses_collect,
    ocpi_tariffs_collect,
    ocpi_command_results_collect,
)


def ocpi_push_cycle() -> None:
    """Collect what changed, then deliver what is due.

    A collector that fails is logged and the others still run, and so does
    the delivery: one bad object must not stop every partner's pushes.
    """
    now = timezone.now()
    for collect in COLLECTORS:
        try:
            collect(now=now)
        except Exception:
            logger.exception("OCPI push collector %s failed", collect.__name__)
    ocpi_outbox_deliver()

"""Status reports of chargers and their connectors."""

import datetime

from django.db import transaction

from chargepoints.enums import (
    ChargePointErrorCode,
    ChargePointStatus,
    ChargingState,
    TransactionStatus,
    normalized_status,
)
from chargepoints.models import StatusNotification
from chargepoints.services.connectors import ConnectorRef, connector_get_or_create
from chargepoints.services.live import STATUS, live_network_changed
from chargepoints.services.locks import chargepoint_locked
from chargepoints.services.notices import NOT_CHARGING_STATES, notice_charging_stopped
from chargepoints.services.session_states import charging_session_connector_reported
from chargepoints.services.transaction_closing import (
    FREE_STATUSES,
    transactions_close_unreported,
)
from chargepoints.services.transaction_facts import charging_state_record
from csms.rows import row_update, rows_insert

# Read with the charger's lock; the boot tells which transactions a free
# connector leaves behind (chargepoints/services/transaction_closing.py).
_CHARGER_STATUS = ("chargepoint_status", "status_timestamp", "last_boot_at")


@transaction.atomic
def status_report(
    *,
    chargepoint_id: str,
    ref: ConnectorRef,
    status: str,
    timestamp: datetime.datetime,
    error_code: str = ChargePointErrorCode.NO_ERROR,
    info: str = "",
    vendor_id: str = "",
    vendor_error_code: str = "",
) -> StatusNotification:
    """Keep the report in the history and, unless it is older, make it the current status.

    Chargers replay queued reports after being offline; an older report must
    not overwrite a newer status. A connector reported free after a reboot
    ends what its charger never stopped there.
    """
    # The charger's own status is read with its lock: a report on connector 0 sets it.
    chargepoint = chargepoint_locked(chargepoint_id, fields=_CHARGER_STATUS)
    connector = connector_get_or_create(chargepoint=chargepoint, ref=ref)
    report = StatusNotification(
        chargepoint=chargepoint,
        connector=connector,
        evse_id=ref.evse_id,
        status_reported=status,
        error_code=error_code,
        info=info,
        vendor_id=vendor_id,
        vendor_error_code=vendor_error_code,
        timestamp=timestamp,
    )
    # History nobody reads back in this call: inserted without the ORM (csms/rows.py).
    rows_insert([report])
    target = connector if connector is not None else chargepoint
    if target.status_timestamp is not None and timestamp < target.status_timestamp:
        return report
    # The connector keeps the reported value in connector_status, the charger
    # (connector 0) in chargepoint_status; the rest is the same for both.
    reported_field = "connector_status" if connector is not None else "chargepoint_status"
    if connector is not None:
        _notice_suspension(connector, before=connector.connector_status, after=status)
        _record_charging_state(connector, status=status, timestamp=timestamp)
        charging_session_connector_reported(connector=connector, status=status)
    setattr(target, reported_field, status)
    target.status = normalized_status(status)
    target.error_code = error_code
    target.status_timestamp = timestamp
    row_update(target, [reported_field, "status", "error_code", "status_timestamp"])
    live_network_changed(chargepoint_id=chargepoint_id, what=STATUS)
    if connector is not None and status in FREE_STATUSES:
        transactions_close_unreported(
            chargepoint=chargepoint, connector=connector, reported_at=timestamp
        )
    return report


# OCPP 1.6 tells charging and pausing by connector status; as OCPP 2.0.1
# chargingState they price parking time the same way for both versions.
_CHARGING_STATES = {
    ChargePointStatus.CHARGING: ChargingState.CHARGING,
    ChargePointStatus.SUSPENDED_EV: ChargingState.SUSPENDED_EV,
    ChargePointStatus.SUSPENDED_EVSE: ChargingState.SUSPENDED_EVSE,
}


def _record_charging_state(connector, *, status: str, timestamp: datetime.datetime) -> None:
    state = _CHARGING_STATES.get(status)
    if state is None:
        return
    tx = (
        connector.transactions.select_for_update()
        .filter(transaction_status=TransactionStatus.ACTIVE)
        .first()
    )
    if tx is not None and charging_state_record(tx, state=state, at=timestamp):
        tx.save(update_fields=["charging_states", "updated_at"])


def _notice_suspension(connector, *, before: str, after: str) -> None:
    """OCPP 1.6 tells a pause by the connector status (2.0.1 by chargingState)."""
    if before != ChargePointStatus.CHARGING or after not in NOT_CHARGING_STATES:
        return
    tx = connector.transactions.filter(transaction_status=TransactionStatus.ACTIVE).first()
    if tx is not None:
        notice_charging_stopped(tx=tx, state=after)

"""Notifications the charging domain sends to drivers (seed 003 NotificationType).

- CHARGING_STARTED: a transaction of theirs started.
- CHARGING_STOPPED: energy stopped flowing while the car is still plugged in
  (the car is full or paused, or the charger suspended it).
- CHARGING_COMPLETED: the transaction ended, with its energy and duration.
- PAYMENT_REQUIRED: a session at a priced connector ended and the driver
  has no valid payment card to pay it with.
- SYSTEM_MAINTENANCE: a charger they reserved was taken out of service.
"""

import datetime

from django.db.models import Q
from django.utils import timezone

from accounts.enums import NotificationType
from accounts.services import notification_create
from chargepoints.enums import ChargePointStatus, ChargingState, ReservationStatus
from chargepoints.models import ChargePoint, Connector, Reservation, Transaction
from chargepoints.services.transaction_prices import transaction_payable, transaction_price
from csms.api.money import money_text

# 2.0.1 chargingState / 1.6 connector status values meaning "plugged in, no energy".
NOT_CHARGING_STATES = frozenset(
    {
        ChargingState.SUSPENDED_EV,
        ChargingState.SUSPENDED_EVSE,
        ChargingState.EV_CONNECTED,
        ChargePointStatus.SUSPENDED_EV,
        ChargePointStatus.SUSPENDED_EVSE,
    }
)


def _where(tx: Transaction) -> str:
    name = str(tx.chargepoint)
    return f"{name}, connector {tx.connector.connectorid}" if tx.connector else name


def notice_charging_started(*, tx: Transaction) -> None:
    if tx.user_id is None:
        return
    notification_create(
        user=tx.user,
        type=NotificationType.CHARGING_STARTED,
        title="Charging started",
        message=f"Your charging at {_where(tx)} has started.",
        transaction_id=tx.pk,
    )


def notice_charging_stopped(*, tx: Transaction, state: str) -> None:
    if tx.user_id is None:
        return
    reason = {
        ChargingState.SUSPENDED_EV: "the car stopped taking energy (full or paused)",
        ChargePointStatus.SUSPENDED_EV: "the car stopped taking energy (full or paused)",
        ChargingState.SUSPENDED_EVSE: "the charger paused it",
        ChargePointStatus.SUSPENDED_EVSE: "the charger paused it",
    }.get(state, "no energy is flowing")
    notification_create(
        user=tx.user,
        type=NotificationType.CHARGING_STOPPED,
        title="Charging stopped",
        message=(
            f"Charging at {_where(tx)} stopped: {reason}. "
            f"{tx.energy_wh / 1000:.2f} kWh so far; the car is still plugged in."
        ),
        transaction_id=tx.pk,
    )


def notice_charging_completed(*, tx: Transaction) -> None:
    if tx.user_id is None:
        return
    minutes = 0
    if tx.stop_transaction_timestamp is not None:
        minutes = int(
            (tx.stop_transaction_timestamp - tx.start_transaction_timestamp).total_seconds() // 60
        )
    price = transaction_price(tx=tx)
    # With its currency, in the language's number format: ", cost 3.87 EUR".
    cost = f", cost {money_text(price.total, price.currency)}" if price.total is not None else ""
    notification_create(
        user=tx.user,
        type=NotificationType.CHARGING_COMPLETED,
        title="Charging completed",
        message=(
            f"Your charging at {_where(tx)} is complete: {tx.energy_wh / 1000:.2f} kWh "
            f"in {minutes // 60} h {minutes % 60:02d} min{cost}."
        ),
        transaction_id=tx.pk,
    )
    if transaction_payable(tx=tx) and not _has_valid_card(tx.user, today=timezone.localdate()):
        notification_create(
            user=tx.user,
            type=NotificationType.PAYMENT_REQUIRED,
            title="Payment required",
            message=(
                f"Add a valid payment card to your profile to pay for your charging "
                f"at {_where(tx)}."
            ),
            transaction_id=tx.pk,
        )


def _has_valid_card(user, *, today: datetime.date) -> bool:
    profile = getattr(user, "profile", None)
    if profile is None or not profile.cc_last4 or profile.cc_expirydate is None:
        return False
    # A card is valid through the last day of its expiry month.
    return (profile.cc_expirydate.year, profile.cc_expirydate.month) >= (today.year, today.month)


def notice_maintenance(*, chargepoint: ChargePoint, connector: Connector | None) -> None:
    """Tell drivers holding a reservation there that the charger is out of service."""
    reservations = Reservation.objects.filter(
        chargepoint=chargepoint, status=ReservationStatus.ACTIVE, user__isnull=False
    ).select_related("user")
    if connector is not None:
        reservations = reservations.filter(Q(connector=connector) | Q(connector__isnull=True))
    where = f"{chargepoint}, connector {connector.connectorid}" if connector else str(chargepoint)
    for user in {reservation.user for reservation in reservations}:
        notification_create(
            user=user,
            type=NotificationType.SYSTEM_MAINTENANCE,
            title="Charger out of service",
            message=f"{where}, which you reserved, has been taken out of service.",
        )

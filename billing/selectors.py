"""Reading what the cost engine needs from the database, and its answers as OCPI."""

import datetime
import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime

from billing.pricing import (
    ChargingPeriod,
    Costs,
    PricingError,
    Reservation,
    Sample,
    StateChange,
    Supply,
    TariffError,
    TariffSpec,
    Usage,
    price_session,
)
from billing.pricing.periods import RunningRounder, volume
from billing.pricing.timeline import Meter
from billing.snapshots import ocpi_timestamp
from chargepoints.enums import AC_PHASES, ChargingState, Measurand, PowerType
from chargepoints.models import SampledValue, Transaction
from chargepoints.selectors import chargepoint_time_zone

logger = logging.getLogger(__name__)

# OCPI 2.2.1 CdrDimensionType PARKING_TIME: the vehicle is not requesting
# power. SuspendedEVSE is the charger holding back a vehicle that wants
# energy, so it is still charging time.
CHARGING_STATES = {ChargingState.CHARGING, ChargingState.SUSPENDED_EVSE}

_MEASURANDS = (
    Measurand.ENERGY_ACTIVE_IMPORT_REGISTER,
    Measurand.POWER_ACTIVE_IMPORT,
    Measurand.CURRENT_IMPORT,
    Measurand.VOLTAGE,
)
# Phase to neutral (or the charger's one value): line-to-line voltages (L1-L2)
# and the neutral's current (N) are not what the engine reads.
_PHASES = {"", "L1", "L2", "L3", "L1-N", "L2-N", "L3-N"}


def _phase_sum(values: dict[str, float]) -> float:
    # OCPI min/max_current: the sum over all phases; a charger's own total wins.
    return values[""] if "" in values else sum(values.values())


def _phase_mean(values: dict[str, float]) -> float:
    # A phase's voltage: the charger's one value, else the mean of its phases.
    return values[""] if "" in values else sum(values.values()) / len(values)


def transaction_samples(
    *, tx: Transaction, end: datetime.datetime, since: Sample | None = None
) -> list[Sample]:
    """The transaction's energy register with power and current, from start to ``end``.

    With ``since`` (a reading already priced, for a running-cost update): only
    the readings from that moment on.
    """
    start = tx.start_transaction_timestamp if since is None else since.at
    rows = (
        SampledValue.objects.filter(
            transaction=tx,
            measurand__in=_MEASURANDS,
            numeric_value__isnull=False,
            timestamp__gte=start,
            timestamp__lte=end,
            location__in=["", "Outlet", "Inlet"],
        )
        .order_by("timestamp")
        .values_list("timestamp", "measurand", "phase", "numeric_value")
    )
    energy: dict[datetime.datetime, float] = {}
    power: dict[datetime.datetime, dict[str, float]] = defaultdict(dict)
    current: dict[datetime.datetime, dict[str, float]] = defaultdict(dict)
    voltage: dict[datetime.datetime, dict[str, float]] = defaultdict(dict)
    for timestamp, measurand, phase, value in rows:
        if phase not in _PHASES:
            continue
        if measurand == Measurand.ENERGY_ACTIVE_IMPORT_REGISTER:
            if phase == "":
                energy[timestamp] = value
        elif measurand == Measurand.POWER_ACTIVE_IMPORT:
            power[timestamp][phase] = value
        elif measurand == Measurand.VOLTAGE:
            voltage[timestamp][phase] = value
        else:
            current[timestamp][phase] = value
    # The register the engine interpolates readings of power or current alone
    # against: with the reading already priced when only newer ones are asked for.
    known = {since.at: since.energy_wh} if since is not None else {}
    if since is None:
        if tx.wh_meter_start is not None:
            energy.setdefault(start, tx.wh_meter_start)
        if tx.wh_meter_stop is not None and tx.stop_transaction_timestamp is not None:
            energy[tx.stop_transaction_timestamp] = tx.wh_meter_stop
    known.update(energy)
    if not known:
        return []
    register = Meter(Sample(at=at, energy_wh=wh) for at, wh in known.items())
    moments = sorted(set(energy) | set(power) | set(current) | set(voltage))
    return [
        Sample(
            at=moment,
            energy_wh=energy[moment] if moment in energy else float(register.at(moment)),
            power_w=_phase_sum(power[moment]) if moment in power else None,
            current_a=_phase_sum(current[moment]) if moment in current else None,
            voltage_v=_phase_mean(voltage[moment]) if moment in voltage else None,
        )
        for moment in moments
    ]


def transaction_states(*, tx: Transaction) -> list[StateChange]:
    changes = []
    for change in tx.charging_states or []:
        at = parse_datetime(str(change.get("timestamp", "")))
        if at is not None:
            changes.append(StateChange(at=at, charging=change.get("state") in CHARGING_STATES))
    return changes


def transaction_supply(*, tx: Transaction) -> Supply:
    """What the engine may assume about a transaction's supply (CSMS_PRICING_* settings).

    The phases in use: as the charger said, else as its connector is built.
    A DC connector has no nominal voltage: its current is derived only from a
    measured voltage.
    """
    power_type = tx.connector.power_type if tx.connector is not None else None
    # The phases in use when the charger does not say (numberOfPhasesUsed,
    # kept as Transaction.number_of_phases_used): all its supply has.
    phases = tx.number_of_phases_used or AC_PHASES.get(power_type)
    return Supply(
        nominal_voltage=None
        if power_type == PowerType.DC
        else settings.CSMS_PRICING_NOMINAL_VOLTAGE,
        phases=None if power_type == PowerType.DC else phases,
        unknown_matches=settings.CSMS_PRICING_UNKNOWN_CURRENT == "match",
    )


def transaction_usage(
    *,
    tx: Transaction,
    currency: str,
    end: datetime.datetime,
    samples: list[Sample] | None = None,
) -> Usage:
    """What the engine needs to price a transaction up to ``end``.

    ``samples``: the readings to price with, when the caller has them (none,
    for a running-cost update); else every reading of the transaction.
    """
    start = tx.start_transaction_timestamp
    reservation = None
    booked = tx.reservation
    if booked is not None and booked.created_at < start:
        # OCPI 2.2.1 tariffs §11.4.6 reservation: from when it was made until charging starts.
        reservation = Reservation(start=booked.created_at, end=start)
    return Usage(
        currency=currency,
        start=start,
        end=max(end, start),
        time_zone=chargepoint_time_zone(chargepoint=tx.chargepoint),
        samples=(
            transaction_samples(tx=tx, end=max(end, start)) if samples is None else tuple(samples)
        ),
        states=transaction_states(tx=tx),
        reservation=reservation,
        supply=transaction_supply(tx=tx),
    )


def transaction_price_end(*, tx: Transaction) -> datetime.datetime:
    """Until when a transaction is priced: its stop, else its newest reading."""
    if tx.stop_transaction_timestamp is not None:
        return tx.stop_transaction_timestamp
    return tx.wh_meter_last_timestamp or tx.start_transaction_timestamp


def transaction_costs(
    *, tx: Transaction, snapshot: dict | None, end: datetime.datetime | None = None
) -> Costs | None:
    """The transaction priced by the tariff it started under (``snapshot``); None without one."""
    if not snapshot:
        return None
    try:
        spec = TariffSpec.from_ocpi(snapshot)
        usage = transaction_usage(
            tx=tx, currency=spec.currency, end=end or transaction_price_end(tx=tx)
        )
        return price_session(spec, usage)
    except (TariffError, PricingError):
        # A tariff we stored cannot be priced: say so loudly, never guess.
        logger.exception("Transaction %s cannot be priced", tx.pk)
        return None


def charging_period_ocpi(*, period: ChargingPeriod, tariff_id: str | None) -> dict[str, Any]:
    """OCPI 2.2.1 ChargingPeriod (CDRs §10.4.6)."""
    data: dict[str, Any] = {
        "start_date_time": ocpi_timestamp(period.start),
        "dimensions": [
            {"type": name, "volume": float(volume)} for name, volume in period.dimensions.items()
        ],
    }
    if tariff_id:
        data["tariff_id"] = tariff_id
    return data


def charging_periods_ocpi(*, costs: Costs, tariff_id: str | None = None) -> list[dict[str, Any]]:
    return [charging_period_ocpi(period=period, tariff_id=tariff_id) for period in costs.periods]


def ocpi_number(value: float | Decimal | None) -> float | None:
    """A number as OCPI sends it: rounded to 4 decimals."""
    if value is None:
        return None
    return float(volume(Decimal(str(value))))


def charging_periods_rounded(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored OCPI charging periods with volumes to 4 decimals, as the engine rounds them.

    CDRs made before the engine rounded to 4 decimals hold 6. Their summed
    volumes are rounded by running totals (billing/pricing/periods.py
    periods_rounded): each period's is its running total rounded less the
    periods before, so the periods still add up to the totals ``cdr_totals_ocpi``
    makes of them. Volumes with 4 decimals or fewer come out unchanged.
    """
    rounder = RunningRounder()
    result = []
    for period in periods:
        dimensions = []
        for dimension in period.get("dimensions", []):
            value = Decimal(str(dimension.get("volume", 0)))
            rounded = rounder.rounded(dimension.get("type"), value)
            dimensions.append({**dimension, "volume": float(rounded)})
        result.append({**period, "dimensions": dimensions})
    return result


def cdr_totals_ocpi(
    periods: list[dict[str, Any]], *, energy: float, time: float, parking: float | None
) -> dict[str, float | None]:
    """A CDR's total_energy, total_time and total_parking_time to 4 decimals, as the
    sums of its (rounded) periods' volumes where the periods carry that dimension:
    then the totals are consistent with the periods to the last decimal."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    seen: set[str] = set()
    for period in periods:
        if any(d.get("type") == "RESERVATION_TIME" for d in period.get("dimensions", [])):
            continue  # the reservation before the session: not in its totals
        for dimension in period.get("dimensions", []):
            sums[dimension.get("type")] += Decimal(str(dimension.get("volume", 0)))
            seen.add(dimension.get("type"))

    def total(names: tuple[str, ...], stored: float | None) -> float | None:
        if stored is None or not seen.intersection(names):
            return ocpi_number(stored)
        return float(sum((sums[name] for name in names), Decimal(0)))

    return {
        "total_energy": total(("ENERGY",), energy),
        "total_time": total(("TIME", "PARKING_TIME"), time),
        "total_parking_time": total(("PARKING_TIME",), parking),
    }

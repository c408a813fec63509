"""Meter readings: normalised to base units, stored, and kept on the transaction."""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from chargepoints.enums import Measurand, ValueFormat
from chargepoints.models import ChargePoint, Connector, SampledValue, Transaction
from chargepoints.services.live import ENERGY, live_transaction_changed
from chargepoints.services.transaction_hooks import TransactionEvent, transaction_announce
from csms.rows import row_update, rows_insert


@dataclass(frozen=True)
class Reading:
    """One sampled value as a charger reported it, in either protocol version."""

    timestamp: datetime.datetime
    value: str
    measurand: str = ""
    phase: str = ""
    context: str = ""
    location: str = ""
    unit: str = ""
    multiplier: int = 0
    format: str = ""
    signed_meter_value: dict | None = None


# OCPP 1.6 §7.31 / 2.0.1 MeasurandEnumType: the default measurand, and the
# default unit of each measurand when the charger sends none.
DEFAULT_MEASURAND = Measurand.ENERGY_ACTIVE_IMPORT_REGISTER
_DEFAULT_UNITS = {
    "Energy.Active": "Wh",
    "Energy.Reactive": "varh",
    "Energy.Apparent": "VAh",
    "Power.Active": "W",
    "Power.Offered": "W",
    "Power.Reactive": "var",
    "Current": "A",
    "Voltage": "V",
    "Frequency": "Hz",
    "Temperature": "Celsius",
    "SoC": "Percent",
}
# Unit -> (base unit, factor). Temperatures are converted separately.
_SCALES = {
    "kWh": ("Wh", 1000.0),
    "kW": ("W", 1000.0),
    "kvarh": ("varh", 1000.0),
    "kvar": ("var", 1000.0),
    "kVA": ("VA", 1000.0),
    "kVAh": ("VAh", 1000.0),
    "mA": ("A", 0.001),
    "kV": ("V", 1000.0),
}


def default_unit(measurand: str) -> str:
    for prefix, unit in _DEFAULT_UNITS.items():
        if measurand.startswith(prefix):
            return unit
    return ""


def reading_numeric(reading: Reading, unit: str) -> float | None:
    """The reading in its measurand's base unit, or None when it is not a number."""
    if reading.format == ValueFormat.SIGNED_DATA:
        return None
    try:
        number = float(reading.value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    number *= 10**reading.multiplier
    if unit in _SCALES:
        return number * _SCALES[unit][1]
    if unit == "Fahrenheit":
        return (number - 32) * 5 / 9
    if unit == "K":
        return number - 273.15
    return number


def _phase_total(values: dict[str, float], *, average: bool) -> float | None:
    """A value for display: the charger's own total, else sum (or average) of phases."""
    if "" in values:
        return values[""]
    phases = [
        v for phase, v in values.items() if phase in {"L1", "L2", "L3", "L1-N", "L2-N", "L3-N"}
    ]
    if not phases:
        return None
    return sum(phases) / len(phases) if average else sum(phases)


def readings_store(
    *,
    chargepoint: ChargePoint,
    connector: Connector | None,
    transaction: Transaction | None,
    readings: Iterable[Reading],
    after_end: bool = False,
) -> list[SampledValue]:
    """Store readings; keep the transaction's meter and live values up to date.

    Callers hold the transaction row lock (they run inside @transaction.atomic).
    A finished transaction's meter, totals and live values never change: its
    readings are only stored, those sent after its end marked ``after_end``
    (chargepoints/services/late_events.py).
    """
    # Keys, not instances: cheaper to build, and these rows are only written.
    chargepoint_id = chargepoint.pk
    connector_id = connector.pk if connector is not None else None
    transaction_id = transaction.pk if transaction is not None else None
    rows = []
    for reading in readings:
        measurand = reading.measurand or DEFAULT_MEASURAND
        unit = reading.unit or default_unit(measurand)
        rows.append(
            SampledValue(
                chargepoint_id=chargepoint_id,
                connector_id=connector_id,
                transaction_id=transaction_id,
                timestamp=reading.timestamp,
                value=reading.value,
                numeric_value=reading_numeric(reading, unit),
                context=reading.context,
                format=reading.format,
                measurand=measurand,
                phase=reading.phase,
                location=reading.location,
                unit=unit,
                unit_multiplier=reading.multiplier,
                signed_meter_value=reading.signed_meter_value,
                after_end=after_end,
            )
        )
    # Append-only and read by nobody in this call: one statement, keys not
    # read back. A retransmitted reading is already there: kept once.
    rows_insert(rows, skip_duplicates=True)
    if transaction is not None and rows and transaction.stop_transaction_timestamp is None:
        _transaction_track(transaction, rows)
    return rows


_LIVE = {
    Measurand.POWER_ACTIVE_IMPORT: ("last_power_w", False),
    Measurand.CURRENT_IMPORT: ("last_current_a", True),
    Measurand.VOLTAGE: ("last_voltage_v", True),
    Measurand.SOC: ("last_soc", False),
}


def _transaction_track(transaction: Transaction, rows: list[SampledValue]) -> None:
    """Move the meter and the live values to the newest readings of this batch.

    A batch replayed after an outage may be older than what we already have;
    it is stored but does not move the meter back.
    """
    latest = transaction.wh_meter_last_timestamp
    energy = [
        row
        for row in rows
        if row.measurand == Measurand.ENERGY_ACTIVE_IMPORT_REGISTER
        and row.numeric_value is not None
        and row.phase == ""
        and row.location in {"", "Outlet", "Inlet"}
    ]
    fields = set()
    if energy:
        first = min(energy, key=lambda row: row.timestamp)
        newest = max(energy, key=lambda row: row.timestamp)
        if transaction.wh_meter_start is None:
            transaction.wh_meter_start = first.numeric_value
            fields.add("wh_meter_start")
        if latest is None or newest.timestamp >= latest:
            transaction.wh_meter_last = newest.numeric_value
            transaction.wh_meter_last_timestamp = newest.timestamp
            fields |= {"wh_meter_last", "wh_meter_last_timestamp"}

    by_measurand: dict[str, dict[datetime.datetime, dict[str, float]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in rows:
        if row.measurand in _LIVE and row.numeric_value is not None:
            by_measurand[row.measurand][row.timestamp][row.phase] = row.numeric_value
    for measurand, samples in by_measurand.items():
        timestamp = max(samples)
        if latest is not None and timestamp < latest:
            continue
        field, average = _LIVE[measurand]
        value = _phase_total(samples[timestamp], average=average)
        if value is not None:
            setattr(transaction, field, value)
            fields.add(field)
    if transaction.wh_meter_last is not None and transaction.wh_meter_start is not None:
        transaction.total_energy = transaction.energy_wh / 1000
        fields.add("total_energy")
    if fields:
        row_update(transaction, fields)
        earliest = min((row.timestamp for row in rows), default=None)
        transaction_announce(TransactionEvent.METERED, tx=transaction, earliest=earliest)
        live_transaction_changed(transaction, what=ENERGY)

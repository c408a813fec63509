"""OCPP 1.6J MeterValues (Core; 2.0.1 block J)."""

from chargepoints.models import Connector, SampledValue
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.v16.handlers.helpers import T0, T1, T2, call, started, tag, utc


def meter_values(wire: Wire, *, transaction_id=None, connector_id=1, unique_id="mv", **batch):
    """One MeterValues CALL with one meterValue element (timestamp, sampledValue)."""
    payload = {"connectorId": connector_id, "meterValue": [batch]}
    if transaction_id is not None:
        payload["transactionId"] = transaction_id
    assert call(wire, "MeterValues", payload, unique_id) == [3, unique_id, {}]


def test_it_stores_readings_in_base_units_and_as_sent(wire, connector):
    meter_values(
        wire,
        timestamp=T0,
        sampledValue=[
            {"value": "12.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
            {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"},
            {"value": "16.1", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
        ],
    )

    rows = SampledValue.objects.order_by("measurand")
    assert [(r.measurand, r.phase, r.value, r.unit, r.numeric_value) for r in rows] == [
        ("Current.Import", "L1", "16.1", "A", 16.1),
        ("Energy.Active.Import.Register", "", "12.5", "kWh", 12500.0),
        ("Power.Active.Import", "", "7.4", "kW", 7400.0),
    ]
    assert {(r.connector, r.transaction, r.timestamp) for r in rows} == {(connector, None, utc(T0))}


def test_it_applies_the_default_measurand_and_unit(wire, connector):
    # OCPP 1.6 §7.31: measurand defaults to Energy.Active.Import.Register, unit to Wh.
    meter_values(wire, timestamp=T0, sampledValue=[{"value": "1500"}])

    row = SampledValue.objects.get()
    assert (row.measurand, row.unit, row.value, row.numeric_value) == (
        "Energy.Active.Import.Register",
        "Wh",
        "1500",
        1500.0,
    )


def test_it_keeps_signed_meter_data_as_sent_without_a_number(wire, connector):
    signed = "T0NQRE1jM2lnbmVkZGF0YQ=="

    meter_values(wire, timestamp=T0, sampledValue=[{"value": signed, "format": "SignedData"}])

    row = SampledValue.objects.get()
    assert (row.value, row.format, row.numeric_value) == (signed, "SignedData", None)


def test_it_stores_main_meter_readings_without_a_connector(wire, chargepoint):
    meter_values(wire, connector_id=0, timestamp=T0, sampledValue=[{"value": "42"}])

    row = SampledValue.objects.get()
    assert (row.chargepoint, row.connector) == (chargepoint, None)
    assert not Connector.objects.exists()


def test_it_creates_a_connector_on_its_first_meter_values(wire, chargepoint):
    meter_values(wire, connector_id=3, timestamp=T0, sampledValue=[{"value": "42"}])

    assert SampledValue.objects.get().connector == Connector.objects.get(connectorid=3)


def test_it_keeps_the_live_values_of_a_transaction(wire, connector):
    tag("TAG1")
    tx = started(wire, meter_start=1000, timestamp=T0)

    meter_values(
        wire,
        transaction_id=tx.pk,
        timestamp=T1,
        sampledValue=[
            {"value": "3.5", "unit": "kWh"},
            {"value": "2300", "measurand": "Power.Active.Import", "phase": "L1", "unit": "W"},
            {"value": "2.3", "measurand": "Power.Active.Import", "phase": "L2", "unit": "kW"},
            {"value": "2200", "measurand": "Power.Active.Import", "phase": "L3", "unit": "W"},
            {"value": "10", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
            {"value": "11", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
            {"value": "12", "measurand": "Current.Import", "phase": "L3", "unit": "A"},
            {"value": "231", "measurand": "Voltage", "unit": "V"},
            {"value": "64", "measurand": "SoC", "location": "EV"},
        ],
    )

    tx.refresh_from_db()
    assert tx.wh_meter_last == 3500
    assert tx.wh_meter_last_timestamp == utc(T1)
    assert tx.total_energy == 2.5
    # No total power reported: the phases add up; current is per phase.
    assert tx.last_power_w == 6800
    assert tx.last_current_a == 11
    assert tx.last_voltage_v == 231
    assert tx.last_soc == 64
    assert SampledValue.objects.filter(transaction=tx).count() == 9


def test_it_prefers_the_chargers_total_power_over_the_phases(wire, connector):
    tag("TAG1")
    tx = started(wire)

    meter_values(
        wire,
        transaction_id=tx.pk,
        timestamp=T1,
        sampledValue=[
            {"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
            {"value": "2300", "measurand": "Power.Active.Import", "phase": "L1", "unit": "W"},
        ],
    )

    tx.refresh_from_db()
    assert tx.last_power_w == 7000


def test_it_does_not_move_the_meter_back_for_an_older_batch(wire, connector):
    tag("TAG1")
    tx = started(wire, meter_start=1000, timestamp=T0)
    meter_values(
        wire,
        transaction_id=tx.pk,
        unique_id="mv-1",
        timestamp=T2,
        sampledValue=[
            {"value": "5000"},
            {"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
        ],
    )

    # Replayed after an outage: an older batch arrives last.
    meter_values(
        wire,
        transaction_id=tx.pk,
        unique_id="mv-2",
        timestamp=T1,
        sampledValue=[
            {"value": "3000"},
            {"value": "3600", "measurand": "Power.Active.Import", "unit": "W"},
        ],
    )

    tx.refresh_from_db()
    assert (tx.wh_meter_last, tx.wh_meter_last_timestamp) == (5000, utc(T2))
    assert tx.last_power_w == 7000
    assert tx.total_energy == 4.0
    assert SampledValue.objects.filter(transaction=tx).count() == 4

"""Readings in base units: what every stored meter value and every bill is built on."""

import datetime

import pytest

from chargepoints.services.metering import Reading, default_unit, reading_numeric

T0 = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)


def numeric(value, unit, **fields):
    return reading_numeric(Reading(timestamp=T0, value=value, **fields), unit)


@pytest.mark.parametrize(
    "value, unit, multiplier, expected",
    [
        ("4.5", "kWh", 0, 4500.0),
        ("7.2", "kW", 0, 7200.0),
        ("16000", "mA", 0, 16.0),
        ("0.4", "kV", 0, 400.0),
        ("45", "Wh", 2, 4500.0),  # OCPP 2.0.1 unitOfMeasure.multiplier: 45 x 10^2
        ("230", "V", 0, 230.0),
        ("212", "Fahrenheit", 0, 100.0),
        ("293.15", "K", 0, 20.0),
    ],
)
def test_a_reading_is_kept_in_its_measurands_base_unit(value, unit, multiplier, expected):
    assert numeric(value, unit, multiplier=multiplier) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["", "n/a", "NaN", "inf", "-inf"])
def test_a_value_that_is_no_finite_number_has_no_numeric_value(value):
    assert numeric(value, "Wh") is None


def test_signed_meter_data_is_kept_as_sent_without_a_number():
    assert numeric("AP7wF2Y=", "Wh", format="SignedData") is None


@pytest.mark.parametrize(
    "measurand, unit",
    [
        ("Energy.Active.Import.Register", "Wh"),
        ("Power.Active.Import", "W"),
        ("Power.Offered", "W"),
        ("Current.Import", "A"),
        ("Voltage", "V"),
        ("SoC", "Percent"),
        ("Temperature", "Celsius"),
        ("RPM", ""),
    ],
)
def test_a_reading_without_a_unit_takes_its_measurands_default(measurand, unit):
    # OCPP 1.6 §7.31 and 2.0.1 MeasurandEnumType give the default units.
    assert default_unit(measurand) == unit

"""Issue 19: the cost engine's four findings from a differential test against an
independent OCPI engine, kept as regression tests. Every expectation is worked
out by hand in the comment above it (prices, minutes, step sizes, VAT).
"""

from decimal import Decimal

import pytest
from django.test import override_settings

from accounts.models import IdTag
from billing.models import CDR, Tariff, TariffElement
from billing.pricing import Sample, Supply
from billing.selectors import cdr_totals_ocpi, charging_periods_rounded
from chargepoints.models import ChargePoint, Connector
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.billing.pricing_helpers import (
    MONDAY,
    element_of,
    eur,
    hours,
    later,
    local,
    meter,
    price,
    session,
    states,
)
from tests.billing.test_pricing_spec_examples import COMPLEX
from tests.ocpp_gateway.helpers import Wire


def with_supply(usage, **supply):
    return type(usage)(**{**usage.__dict__, "supply": Supply(**supply)})


def complex_monday(*, charging: int = 165, parking: int = 42, **extra) -> object:
    """The spec's complex tariff example session: Monday 09:30, 165 min charging at a
    current nobody reported (``extra``: what the meter did report), then parking."""
    begin = local(f"{MONDAY} 09:30")
    stop = later(begin, charging)
    end = later(stop, parking)
    samples = [Sample(at=begin, energy_wh=0, **extra), Sample(at=stop, energy_wh=20_000, **extra)]
    samples += meter((end, 20_000))
    return session(begin, end, samples=samples, charging_until=stop)


# 1. Unknown current no longer makes charging time free.


def test_complex_tariff_with_unknown_current_costs_9_as_the_spec_says():
    # tariffs §11.3.1.1 complex example, Monday 09:30, 165 min charging, 42 min parking,
    # the charger reporting no current (as the differential case: 6.25 before).
    # CSMS_PRICING_UNKNOWN_CURRENT=match: the first TIME element whose restrictions hold
    # is element 1 (max_current 32): 2.75 h * 1.00 = 2.75 (+20 % = 3.30); not rounded,
    # as parking is priced too (the step applies to parking only, finding 3).
    # Flat 2.50 (+15 % = 2.875). Parking 12:15-12:57 on a weekday 09-18: 42 -> 45 min
    # (step 300 s) at 5.00/h = 3.75 (+10 % = 4.125).
    # Total 2.50 + 2.75 + 3.75 = 9.00; incl. VAT 2.875 + 3.30 + 4.125 = 10.30.
    costs = price(COMPLEX, complex_monday())

    assert costs.total == eur("9.0000", "10.3000")
    assert costs.time == eur("2.7500", "3.3000")
    assert costs.parking == eur("3.7500", "4.1250")
    assert element_of(costs.periods, "TIME") == [1, None]
    assert costs.notes == (
        "Current unknown for 2 h 45 min: min_current/max_current restrictions applied "
        "(CSMS_PRICING_UNKNOWN_CURRENT=match).",
    )


def test_complex_tariff_with_unknown_current_and_the_no_match_rule_costs_6_25():
    # CSMS_PRICING_UNKNOWN_CURRENT=no_match: no TIME element applies (all restrict the
    # current), charging time is free: flat 2.50 (2.875) + parking 3.75 (4.125) = 6.25
    # (7.00), and the notes say the restrictions were not applied.
    costs = price(COMPLEX, with_supply(complex_monday(), unknown_matches=False))

    assert costs.total == eur("6.2500", "7.0000")
    assert costs.time == eur("0")
    assert costs.notes == (
        "Current unknown for 2 h 45 min: min_current/max_current restrictions not applied "
        "(CSMS_PRICING_UNKNOWN_CURRENT=no_match).",
    )


@pytest.mark.parametrize(
    ("power_w", "time_cost", "total", "element"),
    [
        # 3 700 W / 230 V = 16.09 A, below 32 A: element 1, 2.75 h * 1.00 = 2.75 (3.30);
        # total 2.50 + 2.75 + 3.75 = 9.00 (2.875 + 3.30 + 4.125 = 10.30).
        (3_700, eur("2.7500", "3.3000"), eur("9.0000", "10.3000"), 1),
        # 7 400 W / 230 V = 32.17 A, 32 A or more on a Monday: element 2 at 2.00/h,
        # 2.75 h = 5.50 (+20 % = 6.60); total 2.50 + 5.50 + 3.75 = 11.75
        # (2.875 + 6.60 + 4.125 = 13.60).
        (7_400, eur("5.5000", "6.6000"), eur("11.7500", "13.6000"), 2),
    ],
)
def test_current_is_derived_from_power_and_the_nominal_voltage(power_w, time_cost, total, element):
    # OCPI min/max_current is the sum over all phases: P / U of one phase, whatever
    # the number of phases.
    usage = with_supply(complex_monday(power_w=power_w), nominal_voltage=230, phases=3)

    costs = price(COMPLEX, usage)

    assert costs.time == time_cost
    assert costs.total == total
    assert element_of(costs.periods, "TIME") == [element, None]
    assert costs.notes == (
        "Current derived from power and the nominal 230 V on 3 phases for 2 h 45 min.",
    )


def test_a_measured_voltage_wins_over_the_nominal_one():
    # 7 600 W at a measured 240 V is 31.67 A: below 32 A, element 1 (9.00 as above);
    # with the nominal 230 V it would have been 33.04 A and element 2.
    usage = with_supply(complex_monday(power_w=7_600, voltage_v=240), nominal_voltage=230, phases=3)

    costs = price(COMPLEX, usage)

    assert costs.total == eur("9.0000", "10.3000")
    assert element_of(costs.periods, "TIME") == [1, None]
    assert costs.notes == ("Current derived from power and the measured voltage for 2 h 45 min.",)


def test_a_measured_current_needs_no_note():
    costs = price(COMPLEX, with_supply(complex_monday(current_a=16), nominal_voltage=230))

    assert costs.total == eur("9.0000", "10.3000")
    assert costs.notes == ()


BY_POWER = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "TIME", "price": 2.00, "step_size": 1}],
            "restrictions": {"min_power": 5},
        },
        {"price_components": [{"type": "TIME", "price": 1.00, "step_size": 1}]},
    ],
}


def power_from_half_past(**first):
    # 10:00-11:00 charging; the charger's first reading is at 10:30 (7 kW reported
    # from then on), so until 10:30 neither its register nor its power says anything.
    t0 = local(f"{MONDAY} 10:00")
    return session(
        t0,
        later(t0, 60),
        samples=[
            Sample(at=later(t0, 30), energy_wh=2_000, power_w=7_000, **first),
            Sample(at=later(t0, 60), energy_wh=5_500, power_w=7_000),
        ],
    )


def test_power_before_the_first_reported_one_comes_from_the_register():
    # The charger reports power from 10:30 only. Until then the power is the
    # register's (it did not move: 0 kW), not unknown, even with a current known.
    t0 = local(f"{MONDAY} 10:00")
    usage = with_supply(
        session(
            t0,
            later(t0, 60),
            samples=[
                Sample(at=t0, energy_wh=0, current_a=16),
                Sample(at=later(t0, 30), energy_wh=0, power_w=7_000),
                Sample(at=later(t0, 60), energy_wh=3_500, power_w=7_000),
            ],
        ),
        nominal_voltage=230,
    )
    # 10:00-10:30 the register does not move (0 kW from it, below min_power 5):
    # 1.00/h = 0.50. 10:30-11:00 at 7 kW reported: 2.00/h = 1.00. Total 1.50.
    costs = price(BY_POWER, usage)

    assert costs.total == eur("1.5000")
    assert element_of(costs.periods, "TIME") == [1, 0]
    assert costs.notes == ("Power derived from the energy register for 30 min.",)


def test_unknown_power_follows_the_same_rule():
    # 10:00-10:30 neither power nor a register reading: min_power 5 matches (the
    # default rule), 2.00/h. The whole hour at 2.00 = 2.00.
    costs = price(BY_POWER, power_from_half_past())

    assert costs.total == eur("2.0000")
    assert costs.notes == (
        "Power unknown for 30 min: min_power/max_power restrictions applied "
        "(CSMS_PRICING_UNKNOWN_CURRENT=match).",
    )


def test_power_is_derived_from_a_current_read_after_the_register():
    # A charger that reports current and never power, read at 10:30 and 11:00; the
    # session runs 10:00-11:30. 10:00-10:30, before any reading: unknown, the rule
    # matches, 2.00/h. 10:30-11:00: the register's 3.5 kWh in 0.5 h = 7 kW, 2.00/h.
    # 11:00-11:30, after the last reading: 32 A * 230 V = 7.36 kW, min_power 5 holds,
    # 2.00/h. 1.5 h * 2.00 = 3.00.
    t0 = local(f"{MONDAY} 10:00")
    usage = with_supply(
        session(
            t0,
            later(t0, 90),
            samples=[
                Sample(at=later(t0, 30), energy_wh=2_000, current_a=32),
                Sample(at=later(t0, 60), energy_wh=5_500, current_a=32),
            ],
        ),
        nominal_voltage=230,
    )

    costs = price(BY_POWER, usage)

    assert costs.total == eur("3.0000")
    assert element_of(costs.periods, "TIME") == [0]
    assert costs.notes == (
        "Power derived from the energy register for 30 min.",
        "Power derived from current and the nominal 230 V for 30 min.",
        "Power unknown for 30 min: min_power/max_power restrictions applied "
        "(CSMS_PRICING_UNKNOWN_CURRENT=match).",
    )


# 2. start_time == end_time never applies (tariffs §11.4.6 wraps only when end < start).


@pytest.mark.parametrize("clock", ["10:00", "00:00"])
def test_an_element_whose_start_time_equals_its_end_time_never_applies(clock):
    # 09:00-11:00 charging, 2 h. The 5.00/h element (start_time == end_time) never
    # applies, so the whole 2 h is at 1.00/h = 2.00 (read as 24 h it was 10.00).
    rates = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [{"type": "TIME", "price": 5.00, "step_size": 1}],
                "restrictions": {"start_time": clock, "end_time": clock},
            },
            {"price_components": [{"type": "TIME", "price": 1.00, "step_size": 1}]},
        ],
    }
    t0 = local(f"{MONDAY} 09:00")

    costs = price(rates, session(t0, later(t0, 120)))

    assert costs.total == eur("2.0000")
    assert element_of(costs.periods, "TIME") == [1]


# 3. TIME and PARKING_TIME step sizes: once, on the total parking duration.

STEPPED = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [
                {"type": "TIME", "price": 3.00, "vat": 10.0, "step_size": 600},
                {"type": "PARKING_TIME", "price": 6.00, "vat": 10.0, "step_size": 300},
            ]
        }
    ],
}


def test_charging_then_parking_rounds_the_parking_time():
    # CDRs §10.3's own example: 21 min charging, then 7 min parking. Charging is not
    # rounded: 0.35 h * 3.00 = 1.05 (+10 % = 1.155). Parking 7 -> 10 min (step 300 s):
    # 1/6 h * 6.00 = 1.00 (1.10). Total 2.05 (2.255).
    t0 = local(f"{MONDAY} 10:00")

    costs = price(STEPPED, session(t0, later(t0, 28), charging_until=later(t0, 21)))

    assert costs.time == eur("1.0500", "1.1550")
    assert costs.parking == eur("1.0000", "1.1000")
    assert costs.total == eur("2.0500", "2.2550")


def test_parking_then_charging_rounds_the_parking_time_too():
    # 7 min parked (plugged in, not yet charging), then 21 min charging. The same rule
    # whatever the order: parking 7 -> 10 min = 1.00 (1.10), charging 21 min not
    # rounded = 1.05 (1.155); total 2.05 (2.255). Rounding the last period, as before,
    # gave charging 21 -> 30 min = 1.50 and parking 0.70: 2.20.
    t0 = local(f"{MONDAY} 10:00")
    usage = session(t0, later(t0, 28), state_changes=states((t0, False), (later(t0, 7), True)))

    costs = price(STEPPED, usage)

    assert costs.parking == eur("1.0000", "1.1000")
    assert costs.time == eur("1.0500", "1.1550")
    assert costs.total == eur("2.0500", "2.2550")
    # The extra 3 min are billed in the parking period, the only one that priced it.
    assert [p.costs for p in costs.periods] == [
        {"PARKING_TIME": eur("1.0000", "1.1000")},
        {"TIME": eur("1.0500", "1.1550")},
    ]


def test_charging_alone_still_rounds_the_charging_time():
    # No parking priced: TIME's step applies. 21 min -> 30 min * 3.00/h = 1.50 (1.65).
    t0 = local(f"{MONDAY} 10:00")

    costs = price(STEPPED, session(t0, later(t0, 21)))

    assert costs.time == eur("1.5000", "1.6500")


# 4. Four decimals, and periods that add up to the totals.

THIRDS = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "TIME", "price": 1.00, "step_size": 1}],
            "restrictions": {"start_time": "10:20", "end_time": "10:40"},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": 0.30, "step_size": 1},
                {"type": "TIME", "price": 2.00, "step_size": 1},
                {"type": "PARKING_TIME", "price": 3.00, "step_size": 1},
            ]
        },
    ],
}


def thirds():
    # 10:00-11:00 charging 10 kWh evenly, cut at 10:20 and 10:40: each third 1/3 h
    # (0.33333...) and 3.33333... kWh.
    t0 = local(f"{MONDAY} 10:00")
    return session(t0, later(t0, 60), samples=meter((t0, 0), (later(t0, 60), 10_000)))


def thirds_then_parking():
    # The same, then 20.5 min parked (0.341666... h) until 11:20:30.
    t0 = local(f"{MONDAY} 10:00")
    end = later(t0, 80.5)
    return session(
        t0,
        end,
        samples=meter((t0, 0), (later(t0, 60), 10_000), (end, 10_000)),
        charging_until=later(t0, 60),
    )


def odd_minutes():
    # 7 min, 13 min, 9 min of alternating charging and parking: sevenths and
    # thirteenths of an hour, none a finite decimal.
    t0 = local(f"{MONDAY} 10:00")
    return session(
        t0,
        later(t0, 29),
        samples=meter(
            (t0, 0), (later(t0, 7), 1_234), (later(t0, 20), 1_234), (later(t0, 29), 2_345)
        ),
        state_changes=states((t0, True), (later(t0, 7), False), (later(t0, 20), True)),
    )


@pytest.mark.parametrize("usage", [thirds, thirds_then_parking, odd_minutes])
def test_volumes_have_4_decimals_and_add_up_to_the_totals(usage):
    costs = price(THIRDS, usage())

    for period in costs.periods:
        for value in period.dimensions.values():
            assert value == value.quantize(Decimal("0.0001"))

    def total(name):
        return sum((p.dimensions.get(name, Decimal(0)) for p in costs.periods), Decimal(0))

    assert total("ENERGY") == costs.total_energy_kwh
    assert total("TIME") + total("PARKING_TIME") == costs.total_time_h
    assert total("PARKING_TIME") == costs.total_parking_time_h


def test_thirds_of_an_hour_are_rounded_by_running_totals():
    # 1/3 h each: running totals 0.3333, 0.6667, 1.0000, so the periods are 0.3333,
    # 0.3334, 0.3333 and add up to exactly 1 h; 10 kWh likewise: 3.3333, 3.3334, 3.3333.
    costs = price(THIRDS, thirds())

    assert [p.dimensions["TIME"] for p in costs.periods] == [
        Decimal("0.3333"),
        Decimal("0.3334"),
        Decimal("0.3333"),
    ]
    assert [p.dimensions["ENERGY"] for p in costs.periods] == [
        Decimal("3.3333"),
        Decimal("3.3334"),
        Decimal("3.3333"),
    ]
    assert costs.total_time_h == hours(60)
    # Costs come from the exact amounts, each period's to 4 decimals: TIME 1/3 h *
    # 2.00 = 0.6667, 1/3 h * 1.00 = 0.3333, 0.6667; ENERGY 3.333... kWh * 0.30 = 1.00
    # in each. 0.6667 + 0.3333 + 0.6667 + 3.00 = 4.6667.
    assert costs.total == eur("4.6667")


def test_a_cdr_stored_with_6_decimals_is_sent_with_4_that_still_add_up():
    # A CDR made before the engine rounded to 4 decimals: three periods of 0.333333,
    # 0.333334, 0.333333 h (1 h) and 0.341667 h of parking. Rounded by running
    # totals: 0.3333, 0.3334 (0.6667 - 0.3333), 0.3333 (1.0 - 0.6667), 0.3417;
    # total_time 1.3417 = 1.0 + 0.3417, total_parking_time 0.3417.
    stored = [
        {"start_date_time": "x", "dimensions": [{"type": "TIME", "volume": 0.333333}]},
        {"start_date_time": "x", "dimensions": [{"type": "TIME", "volume": 0.333334}]},
        {"start_date_time": "x", "dimensions": [{"type": "TIME", "volume": 0.333333}]},
        {"start_date_time": "x", "dimensions": [{"type": "PARKING_TIME", "volume": 0.341667}]},
    ]

    periods = charging_periods_rounded(stored)
    totals = cdr_totals_ocpi(periods, energy=0.0, time=1.341667, parking=0.341667)

    assert [p["dimensions"][0]["volume"] for p in periods] == [0.3333, 0.3334, 0.3333, 0.3417]
    assert totals == {"total_energy": 0.0, "total_time": 1.3417, "total_parking_time": 0.3417}


# Through the real CDR path: a 1.6 charger that reports power and no current, as the
# bundled simulator does (ocpp_gateway/simulator/frames.py), on the complex tariff.


@pytest.fixture
def complex_charger(location, driver):
    IdTag.objects.create(idToken="SIMTAG", user=driver)
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", id="14", currency="EUR")
    for position, element in enumerate(COMPLEX["elements"]):
        TariffElement.objects.create(
            tariff=tariff,
            position=position,
            price_components=element["price_components"],
            restrictions=element.get("restrictions", {}),
        )
    chargepoint = ChargePoint.objects.create(chargepoint_id="SIM-16", location=location)
    Connector.objects.create(chargepoint=chargepoint, connectorid=1).tariff_ids.add(tariff)
    wire = Wire(ChargePoint16, "SIM-16")
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Sim"})
    return wire


def simulated_session(wire: Wire, watts: str) -> CDR:
    # Monday 2025-06-02 09:30-12:15 in Berlin (07:30-10:15 UTC), 165 min of charging;
    # meter values every 55 min with energy and power, no current, no voltage.
    started = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": "SIMTAG", "meterStart": 0, "timestamp": "2025-06-02T07:30:00Z"},
    )
    tx_id = started["transactionId"]
    for at, wh in (("08:25", 3_400), ("09:20", 6_800), ("10:15", 10_200)):
        wire.result(
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": tx_id,
                "meterValue": [
                    {
                        "timestamp": f"2025-06-02T{at}:00Z",
                        "sampledValue": [
                            {"value": str(wh), "measurand": "Energy.Active.Import.Register"},
                            {"value": watts, "measurand": "Power.Active.Import", "unit": "W"},
                        ],
                    }
                ],
            },
        )
    wire.result(
        "StopTransaction",
        {"transactionId": tx_id, "meterStop": 10_200, "timestamp": "2025-06-02T10:15:00Z"},
    )
    return CDR.objects.get(transaction_id=tx_id)


def test_a_charger_reporting_power_only_pays_charging_time_not_just_the_flat_fee(
    complex_charger,
):
    # 3 700 W on the connector (AC 3 phases by default, a 1.6 charger says no phase
    # count) is 3 700 / 230 = 16.09 A (before the first reading, the register's
    # 3.4 kWh in 55 min: 3.71 kW, 16.13 A): element 1, 165 min at 1.00/h = 2.75 (3.30);
    # only TIME is priced, so its step (900 s) applies: 165 min = 11 * 15 min exactly.
    # Flat 2.50 (2.875). Total 5.25 (6.175); before, the CDR carried the flat fee only.
    cdr = simulated_session(complex_charger, "3700")

    assert cdr.total_cost == {"excl_vat": 5.25, "incl_vat": 6.175}
    assert cdr.total_time_cost == {"excl_vat": 2.75, "incl_vat": 3.3}
    assert cdr.total_time == 2.75
    # Until the first reading (55 min) the power is the register's; then the charger's.
    assert cdr.pricing_notes == [
        "Current derived from power (derived from the energy register) and the nominal "
        "230 V on 3 phases for 55 min.",
        "Current derived from power and the nominal 230 V on 3 phases for 1 h 50 min.",
    ]


@override_settings(CSMS_PRICING_NOMINAL_VOLTAGE=110)
def test_the_nominal_voltage_is_a_setting(complex_charger):
    # 3 700 W / 110 V = 33.6 A (3 709 W / 110 V = 33.7 A first): 32 A or more on a
    # Monday, element 2 at 2.00/h:
    # 2.75 h = 5.50 (6.60); its step (600 s): 165 min -> 170 min = 5.6667 (6.80).
    # Flat 2.50 (2.875): total 8.1667 (9.675).
    cdr = simulated_session(complex_charger, "3700")

    assert cdr.total_time_cost == {"excl_vat": 5.6667, "incl_vat": 6.8}
    assert cdr.total_cost == {"excl_vat": 8.1667, "incl_vat": 9.675}
    # Until the first reading (55 min) the power is the register's; then the charger's.
    assert cdr.pricing_notes == [
        "Current derived from power (derived from the energy register) and the nominal "
        "110 V on 3 phases for 55 min.",
        "Current derived from power and the nominal 110 V on 3 phases for 1 h 50 min.",
    ]

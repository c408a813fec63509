"""The cost engine at the edges of OCPI 2.2.1 tariffs: boundaries, step sizes,
time zones, price limits. Each expected value is worked out in the comment above it.
"""

from decimal import Decimal

import pytest

from billing.pricing import CurrencyMismatch, Reservation, Sample
from tests.billing.pricing_helpers import (
    BERLIN,
    MONDAY,
    SATURDAY,
    UTC,
    cost,
    element_of,
    eur,
    expired_reservation,
    hours,
    later,
    local,
    meter,
    price,
    session,
    spans,
    states,
    volume,
)


def one(*components, **restrictions) -> dict:
    """A tariff element; restrictions as keyword arguments."""
    element = {"price_components": list(components)}
    if restrictions:
        element["restrictions"] = restrictions
    return element


def energy(price_: float, step: int = 1, **extra) -> dict:
    return {"type": "ENERGY", "price": price_, "step_size": step, **extra}


def time(price_: float, step: int = 1, **extra) -> dict:
    return {"type": "TIME", "price": price_, "step_size": step, **extra}


def parking(price_: float, step: int = 1, **extra) -> dict:
    return {"type": "PARKING_TIME", "price": price_, "step_size": step, **extra}


def flat(price_: float, **extra) -> dict:
    return {"type": "FLAT", "price": price_, "step_size": 1, **extra}


def tariff(*elements, **extra) -> dict:
    return {"currency": "EUR", "elements": list(elements), **extra}


def linear(start, end, kwh: float):
    """Charging ``kwh`` evenly from ``start`` to ``end`` (two register readings)."""
    return meter((start, 0), (end, kwh * 1000))


# Step sizes (OCPI 2.2.1 tariffs §11.4.3: "rounded up to the smallest multiple of
# step_size that is greater than the consumed amount"; CDRs §10.3.1 step_size).


@pytest.mark.parametrize(
    ("wh", "billed"),
    [
        # 5000 Wh is 10 steps of 500 Wh: nothing to round, 5 kWh * 0.20.
        (5000, "1.0000"),
        # 1 Wh more starts an 11th step: 5.5 kWh * 0.20.
        (5001, "1.1000"),
    ],
)
def test_energy_on_a_step_boundary_is_not_rounded_up(wh, billed):
    t0 = local(f"{MONDAY} 10:00")
    usage = session(t0, later(t0, 60), samples=meter((t0, 0), (later(t0, 60), wh)))

    costs = price(tariff(one(energy(0.20, step=500))), usage)

    assert costs.energy == eur(billed)
    assert costs.total_energy_kwh == Decimal(wh) / 1000


@pytest.mark.parametrize(
    ("seconds", "billed"),
    [
        # 30 minutes is 3 steps of 10 minutes: 0.5 h * 6.00.
        (1800, "3.0000"),
        # One second more is a 4th step: 40 min * 6.00/h.
        (1801, "4.0000"),
    ],
)
def test_charging_time_on_a_step_boundary_is_not_rounded_up(seconds, billed):
    t0 = local(f"{MONDAY} 10:00")

    costs = price(tariff(one(time(6.00, step=600))), session(t0, later(t0, seconds=seconds)))

    assert costs.time == eur(billed)


@pytest.mark.parametrize(
    ("seconds", "billed"),
    [
        # 45 minutes of parking is 9 steps of 5 minutes: 0.75 h * 6.00.
        (2700, "4.5000"),
        # One second more: 50 min * 6.00/h.
        (2701, "5.0000"),
    ],
)
def test_parking_time_on_a_step_boundary_is_not_rounded_up(seconds, billed):
    t0 = local(f"{MONDAY} 10:00")
    stop = later(t0, 10)
    usage = session(t0, later(stop, seconds=seconds), charging_until=stop)

    costs = price(tariff(one(parking(6.00, step=300))), usage)

    assert costs.parking == eur(billed)
    assert costs.time == eur("0")


def test_energy_is_rounded_to_the_step_of_the_last_energy_component():
    # 7.25 kWh: the first 5 kWh at 0.30 (1 kWh steps, below max_kwh 5), then 0.20 (100 Wh
    # steps). CDRs §10.3.1: "the step_size of the last relevant PriceComponent is used" on
    # the session total: 7.25 -> 7.3 kWh, the extra 0.05 kWh at the last price.
    # 5 * 0.30 + 2.3 * 0.20 = 1.96 (not 8 kWh -> 2.10 with the first step).
    t0 = local(f"{MONDAY} 10:00")
    samples = meter((t0, 0), (later(t0, 30), 5000), (later(t0, 60), 7250))
    rates = tariff(one(energy(0.30, step=1000), max_kwh=5), one(energy(0.20, step=100)))

    costs = price(rates, session(t0, later(t0, 60), samples=samples))

    assert costs.energy == eur("1.9600")
    assert [p.costs["ENERGY"] for p in costs.periods] == [eur("1.5000"), eur("0.4600")]
    assert costs.total_energy_kwh == Decimal("7.25")


def test_charging_time_is_rounded_when_the_only_parking_after_it_is_free():
    # Only TIME is priced (2.00/h, 15 min steps): the last priced time-based period is the
    # charging, so its 20 minutes are billed as 30 (tariffs §11.4.3 free-of-charge
    # example: the step of the last paid period applies). 0.5 h * 2.00 = 1.00.
    t0 = local(f"{MONDAY} 10:00")
    usage = session(t0, later(t0, 50), charging_until=later(t0, 20))

    costs = price(tariff(one(time(2.00, step=900))), usage)

    assert costs.time == eur("1.0000")
    assert costs.parking == eur("0")
    assert costs.total_parking_time_h == Decimal("0.5")


def test_prices_are_kept_to_4_decimals():
    # 1 kWh * 0.123456 = 0.123456, kept as 0.1235.
    t0 = local(f"{MONDAY} 10:00")
    usage = session(t0, later(t0, 60), samples=linear(t0, later(t0, 60), 1))

    costs = price(tariff(one(energy(0.123456))), usage)

    assert costs.total == eur("0.1235")


# Restrictions (OCPI 2.2.1 tariffs §11.4.4 TariffRestrictions).

PEAK_10_TO_12 = tariff(one(time(2.00), start_time="10:00", end_time="12:00"), one(time(1.00)))


def test_time_of_day_restriction_switches_exactly_at_start_and_end_time():
    # 09:00-10:00 at 1.00, 10:00-12:00 at 2.00, 12:00-13:00 at 1.00: 1 + 4 + 1 = 6.00.
    costs = price(PEAK_10_TO_12, session(local(f"{MONDAY} 09:00"), local(f"{MONDAY} 13:00")))

    assert costs.time == eur("6.0000")
    assert spans(costs) == [
        (local(f"{MONDAY} 09:00"), local(f"{MONDAY} 10:00")),
        (local(f"{MONDAY} 10:00"), local(f"{MONDAY} 12:00")),
        (local(f"{MONDAY} 12:00"), local(f"{MONDAY} 13:00")),
    ]
    assert element_of(costs.periods, "TIME") == [1, 0, 1]
    assert [p.dimensions["TIME"] for p in costs.periods] == [1, 2, 1]


@pytest.mark.parametrize(
    ("start", "end", "billed", "element"),
    [
        # start_time is inclusive: a session from 10:00 is peak from its first second.
        ("10:00", "11:00", "2.0000", 0),
        # end_time is exclusive: a session from 12:00 is off-peak from its first second.
        ("12:00", "13:00", "1.0000", 1),
    ],
)
def test_start_time_is_inclusive_and_end_time_exclusive(start, end, billed, element):
    costs = price(PEAK_10_TO_12, session(local(f"{MONDAY} {start}"), local(f"{MONDAY} {end}")))

    assert costs.time == eur(billed)
    assert element_of(costs.periods, "TIME") == [element]


def test_end_time_midnight_means_until_the_end_of_the_day():
    # tariffs §11.4.4 end_time: "To stop at end of the day use: 00:00". 17:00-18:00 at
    # 1.00, 18:00-00:00 at 3.00, 00:00-01:00 at 1.00: 1 + 18 + 1 = 20.00.
    rates = tariff(one(time(3.00), start_time="18:00", end_time="00:00"), one(time(1.00)))

    costs = price(rates, session(local(f"{MONDAY} 17:00"), local("2025-06-03 01:00")))

    assert costs.time == eur("20.0000")
    assert spans(costs) == [
        (local(f"{MONDAY} 17:00"), local(f"{MONDAY} 18:00")),
        (local(f"{MONDAY} 18:00"), local("2025-06-03 00:00")),
        (local("2025-06-03 00:00"), local("2025-06-03 01:00")),
    ]


def test_night_rate_from_22_to_06_wraps_past_midnight():
    # tariffs §11.4.4 end_time: "If end_time < start_time then the period wraps around to
    # the next day." Session 21:00-07:00: 1 h at 3.00, 8 h at 1.00, 1 h at 3.00 = 14.00.
    # Midnight changes nothing here, so 22:00-06:00 stays one period.
    rates = tariff(one(time(1.00), start_time="22:00", end_time="06:00"), one(time(3.00)))

    costs = price(rates, session(local(f"{MONDAY} 21:00"), local("2025-06-03 07:00")))

    assert costs.time == eur("14.0000")
    assert spans(costs) == [
        (local(f"{MONDAY} 21:00"), local(f"{MONDAY} 22:00")),
        (local(f"{MONDAY} 22:00"), local("2025-06-03 06:00")),
        (local("2025-06-03 06:00"), local("2025-06-03 07:00")),
    ]
    assert element_of(costs.periods, "TIME") == [1, 0, 1]


def test_start_date_is_inclusive_and_end_date_exclusive():
    # Promotion on 2 June only (start_date 2025-06-02, end_date 2025-06-03) at 4.00/h.
    # Session 1 June 23:00 - 3 June 01:00: 1 h at 1.00, 24 h at 4.00, 1 h at 1.00 = 98.00.
    rates = tariff(one(time(4.00), start_date="2025-06-02", end_date="2025-06-03"), one(time(1.00)))

    costs = price(rates, session(local("2025-06-01 23:00"), local("2025-06-03 01:00")))

    assert costs.time == eur("98.0000")
    assert spans(costs) == [
        (local("2025-06-01 23:00"), local("2025-06-02 00:00")),
        (local("2025-06-02 00:00"), local("2025-06-03 00:00")),
        (local("2025-06-03 00:00"), local("2025-06-03 01:00")),
    ]


def test_day_of_week_switches_at_local_midnight():
    # Sunday rate 4.00/h. Saturday 23:00 - Sunday 01:00: 1 h at 1.00 + 1 h at 4.00 = 5.00.
    rates = tariff(one(time(4.00), day_of_week=["SUNDAY"]), one(time(1.00)))

    costs = price(rates, session(local(f"{SATURDAY} 23:00"), local("2025-06-08 01:00")))

    assert costs.time == eur("5.0000")
    assert element_of(costs.periods, "TIME") == [1, 0]
    assert costs.periods[1].start == local("2025-06-08 00:00")


def test_min_kwh_starts_at_the_interpolated_moment_the_energy_is_reached():
    # 10 kWh evenly over 2 h, read only at start and end: 5 kWh is reached after 1 h.
    # min_kwh is inclusive, so TIME (6.00/h) is billed from there: 1 h * 6.00 = 6.00.
    t0 = local(f"{MONDAY} 10:00")
    usage = session(t0, later(t0, 120), samples=linear(t0, later(t0, 120), 10))

    costs = price(tariff(one(time(6.00), min_kwh=5)), usage)

    assert costs.time == eur("6.0000")
    assert spans(costs) == [(t0, later(t0, 60)), (later(t0, 60), later(t0, 120))]
    assert element_of(costs.periods, "TIME") == [None, 0]
    assert [p.dimensions["ENERGY"] for p in costs.periods] == [5, 5]


def test_max_kwh_stops_at_the_interpolated_moment_the_energy_is_reached():
    # 15 kWh evenly over 90 min: 10 kWh after 60 min. max_kwh is exclusive, so from then
    # on the fallback applies: 10 * 0.30 + 5 * 0.20 = 4.00.
    t0 = local(f"{MONDAY} 10:00")
    usage = session(t0, later(t0, 90), samples=linear(t0, later(t0, 90), 15))

    costs = price(tariff(one(energy(0.30), max_kwh=10), one(energy(0.20))), usage)

    assert costs.energy == eur("4.0000")
    assert spans(costs) == [(t0, later(t0, 60)), (later(t0, 60), later(t0, 90))]
    assert element_of(costs.periods, "ENERGY") == [0, 1]
    assert [p.dimensions["ENERGY"] for p in costs.periods] == [10, 5]


def test_min_duration_applies_from_exactly_that_many_seconds():
    # min_duration 1800 is inclusive: the first 30 min at 2.00/h, from second 1800 on
    # 6.00/h. 1 + 3 = 4.00.
    t0 = local(f"{MONDAY} 10:00")
    rates = tariff(one(time(6.00), min_duration=1800), one(time(2.00)))

    costs = price(rates, session(t0, later(t0, 60)))

    assert costs.time == eur("4.0000")
    assert spans(costs) == [(t0, later(t0, 30)), (later(t0, 30), later(t0, 60))]
    assert element_of(costs.periods, "TIME") == [1, 0]


def test_max_duration_stops_at_exactly_that_many_seconds():
    # max_duration 1800 is exclusive: free for 30 min, from second 1800 on 6.00/h = 3.00.
    t0 = local(f"{MONDAY} 10:00")
    rates = tariff(one(time(0.00), max_duration=1800), one(time(6.00)))

    costs = price(rates, session(t0, later(t0, 60)))

    assert costs.time == eur("3.0000")
    assert element_of(costs.periods, "TIME") == [0, 1]
    assert costs.periods[1].start == later(t0, 30)


# Time zones: restrictions are in local time (tariffs §11.4.4 start_time: "in local
# time, the time zone is defined in the time_zone field of the Location").

NIGHT_01_TO_04 = tariff(one(time(6.00), start_time="01:00", end_time="04:00"), one(time(1.00)))


def test_spring_forward_night_is_two_real_hours():
    # Europe/Berlin, 30 March 2025: 02:00 CET jumps to 03:00 CEST. Local 00:00-05:00 is
    # 23:00Z-03:00Z, 4 real hours; 01:00-04:00 local is 00:00Z-02:00Z, 2 real hours.
    # 2 h * 6.00 + 2 h * 1.00 = 14.00.
    start = local("2025-03-29 23:00", UTC)

    costs = price(NIGHT_01_TO_04, session(start, later(start, 240), tz=BERLIN))

    assert costs.time == eur("14.0000")
    assert costs.total_time_h == Decimal("4")
    assert spans(costs) == [
        (local("2025-03-29 23:00", UTC), local("2025-03-30 00:00", UTC)),
        (local("2025-03-30 00:00", UTC), local("2025-03-30 02:00", UTC)),
        (local("2025-03-30 02:00", UTC), local("2025-03-30 03:00", UTC)),
    ]
    assert costs.periods[1].dimensions["TIME"] == Decimal("2")


def test_fall_back_night_is_four_real_hours():
    # Europe/Berlin, 26 October 2025: 03:00 CEST falls back to 02:00 CET. Local
    # 00:00-05:00 is 22:00Z-04:00Z, 6 real hours; 01:00 CEST-04:00 CET is 23:00Z-03:00Z,
    # 4 real hours. 4 h * 6.00 + 2 h * 1.00 = 26.00.
    start = local("2025-10-25 22:00", UTC)

    costs = price(NIGHT_01_TO_04, session(start, later(start, 360), tz=BERLIN))

    assert costs.time == eur("26.0000")
    assert costs.total_time_h == Decimal("6")
    assert spans(costs) == [
        (local("2025-10-25 22:00", UTC), local("2025-10-25 23:00", UTC)),
        (local("2025-10-25 23:00", UTC), local("2025-10-26 03:00", UTC)),
        (local("2025-10-26 03:00", UTC), local("2025-10-26 04:00", UTC)),
    ]
    assert costs.periods[1].dimensions["TIME"] == Decimal("4")


NIGHT_FROM_0230 = tariff(one(time(6.00), start_time="02:30", end_time="05:00"), one(time(1.00)))


def test_a_start_time_inside_the_skipped_hour_starts_when_the_clock_jumps_past_it():
    # Europe/Berlin, 30 March 2025: the clock goes from 01:59:59 CET to 03:00 CEST
    # (01:00Z); 02:30 never shows. Local time is past 02:30 from 01:00Z on.
    # Session 23:00Z-03:00Z: 2 h at 1.00 (00:00-02:00 CET) + 2 h at 6.00 = 14.00.
    start = local("2025-03-29 23:00", UTC)

    costs = price(NIGHT_FROM_0230, session(start, later(start, 240), tz=BERLIN))

    assert costs.time == eur("14.0000")
    assert costs.periods[-1].start == local("2025-03-30 01:00", UTC)


def test_a_start_time_inside_the_repeated_hour_follows_the_local_clock():
    # Europe/Berlin, 26 October 2025: 02:30 CEST (00:30Z) to 03:00 CEST, then the clock
    # goes back to 02:00 CET (01:00Z) and shows 02:00-02:30 once more until 01:30Z.
    # Restrictions are "in local time" (tariffs §11.4.4), so we read the clock:
    # 00:30Z-01:00Z at 6.00 (3.00), 01:00Z-01:30Z (02:00-02:30 CET) at 1.00 (0.50).
    # Whether the repeated half hour should stay at 6.00 the spec does not say; either
    # way the first half hour, 02:30-03:00 CEST, is at 6.00.
    start = local("2025-10-26 00:30", UTC)

    costs = price(NIGHT_FROM_0230, session(start, later(start, 60), tz=BERLIN))

    assert costs.time == eur("3.5000")
    assert element_of(costs.periods, "TIME") == [0, 1]


# min_price and max_price (tariffs §11.3.1: "they both apply", excl. and incl. VAT).


def kwh_session(kwh: float):
    t0 = local(f"{MONDAY} 10:00")
    return session(t0, later(t0, 60), samples=linear(t0, later(t0, 60), kwh))


ENERGY_025_VAT_20 = one(energy(0.25, vat=20.0))


def test_min_price_raises_the_excl_vat_total_alone():
    # 3.8 kWh * 0.25 = 0.95 excl. -> raised to 1.00; incl. 1.14 is above 1.10: kept.
    rates = tariff(ENERGY_025_VAT_20, min_price={"excl_vat": 1.00, "incl_vat": 1.10})

    costs = price(rates, kwh_session(3.8))

    assert costs.total == eur("1.0000", "1.1400")
    assert costs.energy == eur("0.9500", "1.1400")
    assert costs.min_price_applied is True


def test_min_price_raises_the_incl_vat_total_alone():
    # 4.4 kWh * 0.25 = 1.10 excl., above 1.00: kept; incl. 1.32 -> raised to 1.50.
    rates = tariff(ENERGY_025_VAT_20, min_price={"excl_vat": 1.00, "incl_vat": 1.50})

    costs = price(rates, kwh_session(4.4))

    assert costs.total == eur("1.1000", "1.5000")
    assert costs.min_price_applied is True


def test_min_price_without_incl_vat_raises_the_incl_vat_total_in_proportion():
    # Only min_price.excl_vat is given: 2 kWh -> 0.50 excl. raised to 1.00; the
    # incl. total keeps the session's 20 % VAT share: 0.60 * 1.00 / 0.50 = 1.20.
    rates = tariff(ENERGY_025_VAT_20, min_price={"excl_vat": 1.00})

    costs = price(rates, kwh_session(2))

    assert costs.total == eur("1.0000", "1.2000")
    assert costs.min_price_applied is True


START_FEE_AND_ENERGY = one(flat(0.50, vat=20.0), energy(0.25, vat=10.0))


def test_max_price_caps_the_excl_vat_total_alone():
    # 39 kWh: 0.50 + 9.75 = 10.25 excl. -> capped to 10.00; incl. 0.60 + 10.725 = 11.325
    # is below 11.50: kept. The parts stay what they cost; only the total is capped.
    rates = tariff(START_FEE_AND_ENERGY, max_price={"excl_vat": 10.00, "incl_vat": 11.50})

    costs = price(rates, kwh_session(39))

    assert costs.total == eur("10.0000", "11.3250")
    assert costs.energy == eur("9.7500", "10.7250")
    assert costs.max_price_applied is True
    assert costs.min_price_applied is False


def test_max_price_caps_the_incl_vat_total_alone():
    # 37 kWh: 0.50 + 9.25 = 9.75 excl., below 10.00: kept; incl. 0.60 + 10.175 = 10.775
    # -> capped to 10.50.
    rates = tariff(START_FEE_AND_ENERGY, max_price={"excl_vat": 10.00, "incl_vat": 10.50})

    costs = price(rates, kwh_session(37))

    assert costs.total == eur("9.7500", "10.5000")
    assert costs.max_price_applied is True


# VAT (tariffs §11.4.3 PriceComponent.vat: "If omitted, no VAT is applicable. Not
# providing a VAT is different from 0% VAT").


@pytest.mark.parametrize("vat", [{"vat": 0.0}, {}], ids=["vat-0", "vat-absent"])
def test_no_vat_and_zero_vat_both_cost_the_same_incl_vat(vat):
    # 10 kWh * 0.25 = 2.50, with nothing added either way.
    costs = price(tariff(one(energy(0.25, **vat))), kwh_session(10))

    assert costs.total == eur("2.5000", "2.5000")


def test_vat_is_added_per_component():
    # Start fee 1.00 without VAT + 10 kWh * 0.25 with 20%: 3.50 excl., 1.00 + 3.00 incl.
    costs = price(tariff(one(flat(1.00), energy(0.25, vat=20.0))), kwh_session(10))

    assert costs.total == eur("3.5000", "4.0000")
    assert costs.fixed == eur("1.0000", "1.0000")


# FLAT (tariffs §11.4.2: Flat fee; once per session).


def test_a_flat_only_tariff_bills_the_fee_whatever_was_used():
    # 2.50 + 20%, for 20 kWh, 2 h charging and 30 min parking alike.
    t0 = local(f"{MONDAY} 10:00")
    stop = later(t0, 120)
    usage = session(
        t0,
        later(stop, 30),
        samples=meter((t0, 0), (stop, 20_000), (later(stop, 30), 20_000)),
        charging_until=stop,
    )

    costs = price(tariff(one(flat(2.50, vat=20.0))), usage)

    assert costs.total == eur("2.5000", "3.0000")
    assert costs.fixed == eur("2.5000", "3.0000")
    assert costs.energy == costs.time == costs.parking == eur("0")
    # The volumes are still reported.
    assert costs.total_energy_kwh == Decimal("20")
    assert costs.total_time_h == Decimal("2.5")
    assert cost(costs.periods, "FLAT") == Decimal("2.5")


@pytest.mark.parametrize(
    ("start", "end", "billed"),
    [
        # At 17:00 only the unrestricted fee matches: it is the session's one FLAT.
        ("17:00", "19:00", "0.5000"),
        # From 18:00 the evening fee matches first (list order).
        ("18:00", "19:00", "1.0000"),
    ],
)
def test_flat_fee_is_the_first_one_matching_at_the_first_moment_one_does(start, end, billed):
    rates = tariff(one(flat(1.00), start_time="18:00", end_time="22:00"), one(flat(0.50)))

    costs = price(rates, session(local(f"{MONDAY} {start}"), local(f"{MONDAY} {end}")))

    assert costs.fixed == eur(billed)


@pytest.mark.parametrize(
    ("start", "end", "billed"),
    [
        # The evening fee starts to match at 18:00, during the session: billed once.
        ("17:00", "19:00", "1.0000"),
        # A session that ends before 18:00 never matches it.
        ("15:00", "17:00", "0"),
    ],
)
def test_restricted_flat_fee_is_billed_once_if_it_matches_at_all(start, end, billed):
    rates = tariff(one(flat(1.00), start_time="18:00", end_time="22:00"))

    costs = price(rates, session(local(f"{MONDAY} {start}"), local(f"{MONDAY} {end}")))

    assert costs.fixed == eur(billed)


# Element order (tariffs §11.3.1: "the first Tariff Element with a Price Component for
# that dimension in the list with matching Tariff Restrictions will be used").


def test_first_matching_element_wins_per_dimension_and_later_ones_fill_in_others():
    # 19:00-21:00, 10 kWh each hour. ENERGY: 19-20 both 08-20 (0.40) and 18-22 (0.50)
    # match, the first wins; 20-21 only 18-22 matches. TIME comes from the last element
    # all along, as the first two have none.
    # 10 * 0.40 + 10 * 0.50 + 2 h * 1.00 = 11.00.
    rates = tariff(
        one(energy(0.40), start_time="08:00", end_time="20:00"),
        one(energy(0.50), start_time="18:00", end_time="22:00"),
        one(energy(0.30), time(1.00)),
    )
    t0, t1 = local(f"{MONDAY} 19:00"), local(f"{MONDAY} 21:00")

    costs = price(rates, session(t0, t1, samples=linear(t0, t1, 20)))

    assert costs.total == eur("11.0000")
    assert costs.energy == eur("9.0000")
    assert costs.time == eur("2.0000")
    assert element_of(costs.periods, "ENERGY") == [0, 1]
    assert element_of(costs.periods, "TIME") == [2, 2]


def test_energy_is_interpolated_across_a_price_change_between_two_readings():
    # Read at 16:00 (0) and 18:00 (20 kWh) only: 10 kWh before 17:00 at 0.20 and 10 kWh
    # after at 0.30 = 5.00 (CDRs §10.3.1 ChargingPeriod: "it can be interpolated").
    rates = tariff(one(energy(0.20), start_time="00:00", end_time="17:00"), one(energy(0.30)))
    t0, t1 = local(f"{MONDAY} 16:00"), local(f"{MONDAY} 18:00")

    costs = price(rates, session(t0, t1, samples=linear(t0, t1, 20)))

    assert costs.energy == eur("5.0000")
    assert [p.dimensions["ENERGY"] for p in costs.periods] == [10, 10]


# Power and current (tariffs §11.4.4 min_power/max_power, min_current/max_current).

FAST_CHARGING_SURCHARGE = tariff(one(energy(0.50), min_power=22), one(energy(0.30)))


def test_min_power_switches_when_the_power_rises_mid_session():
    # 1 h at 11 kW (11 kWh at 0.30 = 3.30), then 1 h at 50 kW (50 kWh at 0.50 = 25.00).
    t0 = local(f"{MONDAY} 10:00")
    samples = [
        Sample(at=t0, energy_wh=0, power_w=11_000),
        Sample(at=later(t0, 60), energy_wh=11_000, power_w=50_000),
        Sample(at=later(t0, 120), energy_wh=61_000, power_w=50_000),
    ]

    costs = price(FAST_CHARGING_SURCHARGE, session(t0, later(t0, 120), samples=samples))

    assert costs.energy == eur("28.3000")
    assert spans(costs) == [(t0, later(t0, 60)), (later(t0, 60), later(t0, 120))]
    assert element_of(costs.periods, "ENERGY") == [1, 0]
    assert [p.dimensions["MAX_POWER"] for p in costs.periods] == [11, 50]
    assert [p.dimensions["MIN_POWER"] for p in costs.periods] == [11, 50]


def test_min_power_is_inclusive():
    # Exactly 22 kW for 1 h: "more than, or equal to" -> 22 kWh at 0.50 = 11.00.
    t0 = local(f"{MONDAY} 10:00")
    samples = meter((t0, 0), (later(t0, 60), 22_000), power_w=22_000)

    costs = price(FAST_CHARGING_SURCHARGE, session(t0, later(t0, 60), samples=samples))

    assert costs.energy == eur("11.0000")


def test_max_power_is_exclusive():
    # Exactly 16 kW for 1 h with "max_power": 16 then 32 (the spec's example):
    # "less than the defined amount" -> not the first element; 16 kWh at 0.35 = 5.60.
    rates = tariff(
        one(energy(0.20), max_power=16), one(energy(0.35), max_power=32), one(energy(0.50))
    )
    t0 = local(f"{MONDAY} 10:00")
    samples = meter((t0, 0), (later(t0, 60), 16_000), power_w=16_000)

    costs = price(rates, session(t0, later(t0, 60), samples=samples))

    assert costs.energy == eur("5.6000")
    assert element_of(costs.periods, "ENERGY") == [1]


# As in the spec's complex tariff: below 32 A one rate, from 32 A another.
BY_CURRENT = tariff(
    one(flat(2.50)),
    one(time(1.00), max_current=32),
    one(time(2.00, step=600), min_current=32),
)


def test_min_current_is_inclusive_and_max_current_exclusive():
    # Exactly 32 A: not "less than" 32 (max_current), but "more than, or equal to" 32
    # (min_current): 1 h at 2.00 + 2.50 = 4.50.
    t0 = local(f"{MONDAY} 10:00")
    samples = meter((t0, 0), (later(t0, 60), 22_000), current_a=32)

    costs = price(BY_CURRENT, session(t0, later(t0, 60), samples=samples))

    assert costs.time == eur("2.0000")
    assert costs.total == eur("4.5000")
    assert element_of(costs.periods, "TIME") == [2]


def test_unknown_current_matches_current_restrictions_by_default():
    # The meter never said the current, nor a voltage to derive it from power (issue 19:
    # this used to match no restriction, so charging time was free). By default
    # (Supply.unknown_matches, CSMS_PRICING_UNKNOWN_CURRENT=match) an unknown current
    # matches: the first TIME element whose restrictions hold is "below 32 A", 1 h at
    # 1.00 = 1.00, plus the 2.50 fee = 3.50; the costs say what was assumed.
    t0 = local(f"{MONDAY} 10:00")

    costs = price(BY_CURRENT, session(t0, later(t0, 60), samples=linear(t0, later(t0, 60), 22)))

    assert costs.time == eur("1.0000")
    assert costs.total == eur("3.5000")
    assert element_of(costs.periods, "TIME") == [1]
    assert costs.notes == (
        "Current unknown for 1 h: min_current/max_current restrictions applied "
        "(CSMS_PRICING_UNKNOWN_CURRENT=match).",
    )


# Charging state (CDRs §10.4.3 PARKING_TIME: "time ... during which the vehicle is not
# requesting power").


def test_charging_parking_charging_rounds_only_the_parking_time():
    # TIME 3.00/h per 10 min, PARKING_TIME 5.00/h per 5 min. Both are used, so the step
    # applies to the total parking duration only (CDRs §10.3 step_size; issue 19: this
    # used to round the charging time, the last time-based period, to 80 min = 5.00).
    # 10:00-11:00 charging: 3.00. 11:00-11:12 parking: 12 min -> 15 min at 5.00/h =
    # 1.25. 11:12-11:30 charging, not rounded: 18 min at 3.00/h = 0.90. Total 5.15.
    t0 = local(f"{MONDAY} 10:00")
    usage = session(
        t0,
        later(t0, 90),
        samples=meter(
            (t0, 0), (later(t0, 60), 10_000), (later(t0, 72), 10_000), (later(t0, 90), 13_000)
        ),
        state_changes=states((t0, True), (later(t0, 60), False), (later(t0, 72), True)),
    )

    costs = price(tariff(one(time(3.00, step=600), parking(5.00, step=300))), usage)

    assert costs.total == eur("5.1500")
    assert spans(costs) == [
        (t0, later(t0, 60)),
        (later(t0, 60), later(t0, 72)),
        (later(t0, 72), later(t0, 90)),
    ]
    assert [p.costs for p in costs.periods] == [
        {"TIME": eur("3.0000")},
        {"PARKING_TIME": eur("1.2500")},
        {"TIME": eur("0.9000")},
    ]
    assert costs.total_time_h == Decimal("1.5")
    assert costs.total_parking_time_h == Decimal("0.2")
    assert [p.dimensions.get("PARKING_TIME", 0) for p in costs.periods] == [0, hours(12), 0]


# Reservations (tariffs §11.4.4 reservation, §11.4.1 ReservationRestrictionType).


def test_session_elements_never_price_reservation_time():
    # Only an unrestricted TIME element: the 30 min reservation is reported, not billed;
    # 1 h charging at 2.00.
    t0 = local(f"{MONDAY} 10:00")
    reservation = Reservation(start=later(t0, -30), end=t0)

    costs = price(tariff(one(time(2.00))), session(t0, later(t0, 60), reservation=reservation))

    assert costs.total == eur("2.0000")
    assert costs.reservation == eur("0")
    assert costs.total_reservation_time_h == Decimal("0.5")
    assert costs.total_time_h == Decimal("1")


def test_reservation_time_has_its_own_step_rounding():
    # Reservation 13 min at 6.00/h per 10 min -> 20 min = 2.00. Charging 25 min at
    # 6.00/h per 10 min -> 30 min = 3.00. Rounded together (38 -> 40 min) it would be 4.00.
    t0 = local(f"{MONDAY} 10:00")
    rates = tariff(one(time(6.00, step=600), reservation="RESERVATION"), one(time(6.00, step=600)))
    reservation = Reservation(start=later(t0, -13), end=t0)

    costs = price(rates, session(t0, later(t0, 25), reservation=reservation))

    assert costs.reservation == eur("2.0000")
    assert costs.time == eur("3.0000")
    assert costs.total == eur("5.0000")


RESERVATION_LISTED_FIRST = tariff(
    one(time(3.00, step=60), reservation="RESERVATION"),
    one(time(6.00, step=60), reservation="RESERVATION_EXPIRES"),
    one(energy(0.25)),
)


def test_expired_reservation_time_uses_the_expiry_element_even_when_listed_second():
    # tariffs §11.4.1 note: with both, "the time based cost of an expired reservation will
    # be calculated based on the RESERVATION_EXPIRES Tariff Element". 0.5 h * 6.00.
    start = local(f"{MONDAY} 10:00")

    costs = price(RESERVATION_LISTED_FIRST, expired_reservation(start, later(start, 30)))

    assert costs.total == eur("3.0000")


def test_used_reservation_ignores_the_expiry_element():
    # 30 min reservation at 3.00/h = 1.50; then 4 kWh at 0.25 = 1.00.
    t0 = local(f"{MONDAY} 10:00")
    usage = session(
        t0,
        later(t0, 60),
        samples=linear(t0, later(t0, 60), 4),
        reservation=Reservation(start=later(t0, -30), end=t0),
    )

    costs = price(RESERVATION_LISTED_FIRST, usage)

    assert costs.reservation == eur("1.5000")
    assert costs.total == eur("2.5000")
    assert element_of(costs.periods[:1], "TIME") == [0]


def test_a_session_in_another_currency_is_refused():
    # A tariff in EUR cannot price a session billed in USD: no conversion is guessed.
    t0 = local(f"{MONDAY} 10:00")

    with pytest.raises(CurrencyMismatch):
        price(tariff(one(energy(0.25))), session(t0, later(t0, 60), currency="USD"))


# Charging periods add up to the totals (CDRs §10.4.6 ChargingPeriod, §10.3.1 totals).


def test_charging_periods_add_up_to_the_session_totals():
    # FLAT 1.00; 17:00-19:00 ENERGY 0.30 + TIME 2.00; from 5 kWh ENERGY 0.20; otherwise
    # ENERGY 0.25 + TIME 1.00 + PARKING_TIME 3.00 (per 5 min).
    # Register 1000 Wh at 16:00, 4000 at 16:30, 8500 at 17:15, 9000 at 17:30 (6 kW, 6 kW,
    # 2 kW), parking 17:30-18:00. 5 kWh used (register 6000) at 16:50; 7000 at 17:00.
    # ENERGY: 16:00-16:50 5 kWh * 0.25 = 1.25, 16:50-17:00 1 kWh * 0.20 = 0.20,
    #         17:00-17:30 2 kWh * 0.30 = 0.60 -> 2.05 for 8 kWh.
    # TIME:   16:00-17:00 1 h * 1.00, 17:00-17:30 0.5 h * 2.00 -> 2.00.
    # PARKING_TIME: 17:30-18:00 0.5 h * 3.00 = 1.50 (30 min is a whole step).
    # Total 1.00 + 2.05 + 2.00 + 1.50 = 6.55.
    rates = tariff(
        one(flat(1.00)),
        one(energy(0.30), time(2.00), start_time="17:00", end_time="19:00"),
        one(energy(0.20), min_kwh=5),
        one(energy(0.25), time(1.00), parking(3.00, step=300)),
    )
    at = {t: local(f"{MONDAY} {t}") for t in ("16:00", "16:30", "16:50", "17:00", "17:15")}
    at |= {t: local(f"{MONDAY} {t}") for t in ("17:30", "18:00")}
    readings = [("16:00", 1000), ("16:30", 4000), ("17:15", 8500), ("17:30", 9000)]
    usage = session(
        at["16:00"],
        at["18:00"],
        samples=meter(*[(at[t], wh) for t, wh in readings], (at["18:00"], 9000)),
        charging_until=at["17:30"],
    )

    costs = price(rates, usage)

    assert costs.total == eur("6.5500")
    assert costs.fixed == eur("1.0000")
    assert costs.energy == eur("2.0500")
    assert costs.time == eur("2.0000")
    assert costs.parking == eur("1.5000")
    assert spans(costs) == [
        (at["16:00"], at["16:50"]),
        (at["16:50"], at["17:00"]),
        (at["17:00"], at["17:30"]),
        (at["17:30"], at["18:00"]),
    ]
    # Volumes: the meter difference, the session's duration, split without loss.
    assert costs.total_energy_kwh == Decimal("8") == volume(costs.periods, "ENERGY")
    assert [p.dimensions["ENERGY"] for p in costs.periods[:3]] == [5, 1, 2]
    charged_and_parked = volume(costs.periods, "TIME") + volume(costs.periods, "PARKING_TIME")
    assert costs.total_time_h == Decimal("2") == charged_and_parked
    assert costs.total_parking_time_h == Decimal("0.5") == volume(costs.periods, "PARKING_TIME")
    # Costs: each part is the sum of what the periods billed for it.
    assert cost(costs.periods, "FLAT") == costs.fixed.excl_vat
    assert cost(costs.periods, "ENERGY") == costs.energy.excl_vat
    assert cost(costs.periods, "TIME") == costs.time.excl_vat
    assert cost(costs.periods, "PARKING_TIME") == costs.parking.excl_vat
    assert element_of(costs.periods, "ENERGY")[:3] == [3, 2, 1]
    assert element_of(costs.periods, "TIME")[:3] == [3, 3, 1]
    assert element_of(costs.periods, "PARKING_TIME")[3] == 3


def test_charging_periods_with_vat_add_up_incl_vat_too():
    # 16:00-18:00, 20 kWh evenly; 0.20 (+10%) before 17:00, 0.30 (+20%) after, start fee
    # 1.00 (+20%). Excl.: 1.00 + 2.00 + 3.00 = 6.00; incl.: 1.20 + 2.20 + 3.60 = 7.00.
    rates = tariff(
        one(flat(1.00, vat=20.0)),
        one(energy(0.20, vat=10.0), start_time="00:00", end_time="17:00"),
        one(energy(0.30, vat=20.0)),
    )
    t0, t1 = local(f"{MONDAY} 16:00"), local(f"{MONDAY} 18:00")

    costs = price(rates, session(t0, t1, samples=linear(t0, t1, 20)))

    assert costs.total == eur("6.0000", "7.0000")
    assert costs.energy == eur("5.0000", "5.8000")
    assert cost(costs.periods, "ENERGY", incl=True) == Decimal("5.8")
    assert cost(costs.periods, "FLAT", incl=True) == Decimal("1.2")


def test_a_session_without_reservation_pays_no_reservation_element():
    # tariff_17's elements, no reservation: only the start fee and 20 kWh * 0.25.
    rates = tariff(
        one(flat(4.00), reservation="RESERVATION_EXPIRES"),
        one(time(2.00, step=600), reservation="RESERVATION"),
        one(flat(0.50), energy(0.25)),
    )
    t0 = local(f"{MONDAY} 10:00")

    costs = price(rates, session(t0, later(t0, 60), samples=linear(t0, later(t0, 60), 20)))

    assert costs.total == eur("5.5000")
    assert costs.reservation == eur("0")
    assert costs.total_reservation_time_h == Decimal("0")


def test_energy_step_comes_from_the_last_component_that_priced_energy():
    # 0.20/kWh per 500 Wh before 17:00, 0.30/kWh per 1000 Wh after. 4.3 kWh charged
    # 16:00-16:50, then parked until 17:10: no energy was ever delivered after 17:00.
    # CDRs §10.3.1: "the step_size of the last relevant PriceComponent is used", and the
    # relevant one is the one that priced the energy: 4.3 -> 4.5 kWh * 0.20 = 0.90.
    # (Rounding with the after-17:00 component bills 0.7 kWh never delivered at 0.30.)
    rates = tariff(
        one(energy(0.20, step=500), start_time="00:00", end_time="17:00"),
        one(energy(0.30, step=1000)),
    )
    t0 = local(f"{MONDAY} 16:00")
    stop, end = later(t0, 50), later(t0, 70)
    usage = session(t0, end, samples=meter((t0, 0), (stop, 4300), (end, 4300)), charging_until=stop)

    costs = price(rates, usage)

    assert costs.energy == eur("0.9000")


def test_energy_split_in_thirds_still_adds_up_to_the_meter_difference():
    # 10 kWh evenly over 16:00-19:00, three prices (before 17:00, 17-18, after 18:00):
    # each period holds 3.333... kWh. The CDR's total_energy is what the meter counted,
    # 10 kWh, and the periods' ENERGY must add up to it (CDRs §10.4.6 ChargingPeriod).
    rates = tariff(
        one(energy(0.20), start_time="00:00", end_time="17:00"),
        one(energy(0.25), start_time="17:00", end_time="18:00"),
        one(energy(0.30)),
    )
    t0 = local(f"{MONDAY} 16:00")

    costs = price(rates, session(t0, later(t0, 180), samples=linear(t0, later(t0, 180), 10)))

    # 3.333... * (0.20 + 0.25 + 0.30) = 2.50
    assert costs.energy == eur("2.5000")
    assert costs.total_energy_kwh == Decimal("10")
    assert volume(costs.periods, "ENERGY") == Decimal("10")


def test_time_split_in_thirds_still_adds_up_to_the_session_duration():
    # 1 h split at 20 and 40 minutes by max_duration: 1/3 h each at 1, 2 and 3 per hour
    # = 2.00. The session lasted 1 h; the CDR's total_time says so.
    rates = tariff(
        one(time(1.00), max_duration=1200), one(time(2.00), max_duration=2400), one(time(3.00))
    )
    t0 = local(f"{MONDAY} 10:00")

    costs = price(rates, session(t0, later(t0, 60)))

    assert costs.time == eur("2.0000")
    assert costs.total_time_h == Decimal("1")
    assert volume(costs.periods, "TIME") == Decimal("1")

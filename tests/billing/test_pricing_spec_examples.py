"""The worked examples of OCPI 2.2.1, priced by the cost engine.

Tariffs are the spec's example files (release-2.2.1-bugfixes, examples/),
cut down to what pricing reads. Where the spec rounds to cents, or its own
arithmetic is off, the comment says so and the test asserts the exact value:
the engine keeps 4 decimals and leaves rounding to the invoice.
"""

from decimal import Decimal

import pytest

from billing.pricing import Reservation
from tests.billing.pricing_helpers import (
    MONDAY,
    SATURDAY,
    element_of,
    eur,
    expired_reservation,
    hours,
    in_minutes,
    later,
    local,
    meter,
    price,
    session,
    spans,
)

FLAT_050_ENERGY_025 = [
    {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
    {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1},
]


def charged(kwh: float, *, minutes: float = 120, parking: float = 0, reserved: float = 0):
    """A session from 10:00 charging ``kwh`` evenly, then parking, maybe reserved before."""
    start = local(f"{MONDAY} 10:00")
    stop = later(start, minutes)
    end = later(stop, parking)
    wh = float(Decimal(str(kwh)) * 1000)  # 20.45 * 1000 is 20450.000000000004 in floats
    readings = [(start, 0), (stop, wh)] + ([(end, wh)] if parking else [])
    reservation = None
    if reserved:
        reservation = Reservation(start=later(start, -reserved), end=start)
    return session(
        start,
        end,
        samples=meter(*readings),
        charging_until=stop if parking else None,
        reservation=reservation,
    )


# OCPI 2.2.1 tariffs §11.3.1.1 (Tariff object examples)


def test_simple_025_per_kwh_costs_5_for_20_kwh():
    # tariff_8_simple_025kwh: "costs of € 5.00 (excl. VAT) or € 5.50 (incl. VAT)
    # when 20 kWh are charged."
    tariff = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1}]}
        ],
    }

    costs = price(tariff, charged(20))

    assert costs.currency == "EUR"
    assert costs.total == eur("5.0000", "5.5000")
    assert costs.energy == eur("5.0000", "5.5000")
    assert costs.fixed == eur("0")
    assert costs.total_energy_kwh == Decimal("20")


def test_start_fee_is_added_once_to_the_energy():
    # tariff_9_025kwh_start: "total cost of € 5.50 (excl. VAT) or € 6.10 (incl. VAT)
    # when 20 kWh are charged": 0.50 + 20% and 5.00 + 10%.
    tariff = {"currency": "EUR", "elements": [{"price_components": FLAT_050_ENERGY_025}]}

    costs = price(tariff, charged(20))

    assert costs.total == eur("5.5000", "6.1000")
    assert costs.fixed == eur("0.5000", "0.6000")
    assert costs.energy == eur("5.0000", "5.5000")


def test_min_price_does_not_touch_a_session_that_costs_more():
    # tariff_12_025kwh_min_price: "€ 5.00 (excl. VAT) or € 5.50 (incl. VAT) when 20 kWh".
    costs = price(TARIFF_12, charged(20))

    assert costs.total == eur("5.0000", "5.5000")
    assert costs.min_price_applied is False


def test_min_price_is_billed_when_less_than_2_kwh_is_charged():
    # tariff_12: "if less than 2 kWh is charged, € 0.50 (excl. VAT) or € 0.55 (incl. VAT)
    # will be billed." 1 kWh would cost 0.25 / 0.275.
    costs = price(TARIFF_12, charged(1))

    assert costs.total == eur("0.5000", "0.5500")
    assert costs.energy == eur("0.2500", "0.2750")
    assert costs.min_price_applied is True
    assert costs.max_price_applied is False


TARIFF_12 = {
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1}]}
    ],
    "min_price": {"excl_vat": 0.50, "incl_vat": 0.55},
}


def test_parking_after_charging_is_billed_per_15_minutes():
    # tariff_10_025kwh_parking_start: 20 kWh and parked 40 minutes after charging:
    # "€ 7.00 (excl. VAT) or € 7.90 (incl. VAT) ... the driver has to pay for
    # 45 minutes of parking". 0.50 + 5.00 + 0.75 h * 2.00 = 7.00;
    # 0.60 + 5.50 + 1.80 = 7.90.
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    *FLAT_050_ENERGY_025,
                    {"type": "PARKING_TIME", "price": 2.00, "vat": 20.0, "step_size": 900},
                ]
            }
        ],
    }

    costs = price(tariff, charged(20, minutes=110, parking=40))

    assert costs.total == eur("7.0000", "7.9000")
    assert costs.parking == eur("1.5000", "1.8000")
    assert in_minutes(costs.total_parking_time_h) == 40
    assert costs.total_time_h == Decimal("2.5")


@pytest.mark.parametrize(
    ("kwh", "total", "capped"),
    [
        # "50 kWh ... € 10.00 (excl. VAT) or € 11.00 (incl. VAT) due to the price limit."
        # Uncapped: 0.50 + 12.50 = 13.00 and 0.60 + 13.75 = 14.35.
        (50, eur("10.0000", "11.0000"), True),
        # "If only 30 kWh were charged, the costs would be € 8.00 (excl. VAT) and € 8.85
        # (incl. VAT)": 0.50 + 7.50 and 0.60 + 8.25.
        (30, eur("8.0000", "8.8500"), False),
    ],
)
def test_max_price_caps_the_start_fee_and_energy(kwh, total, capped):
    # tariff_6_025kwh_start_max_price
    tariff = {
        "currency": "EUR",
        "elements": [{"price_components": FLAT_050_ENERGY_025}],
        "max_price": {"excl_vat": 10.00, "incl_vat": 11.00},
    }

    costs = price(tariff, charged(kwh))

    assert costs.total == total
    assert costs.max_price_applied is capped


def test_2_per_hour_bills_charging_time_only():
    # tariff_1_simple_2hour: "For a charging session of 2.5 hours, ... € 5.00 (excl. VAT)
    # or € 5.50 (incl. VAT)". Only TIME is priced, so parking afterwards is free.
    tariff = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "TIME", "price": 2.00, "vat": 10.0, "step_size": 60}]}
        ],
    }

    costs = price(tariff, charged(10, minutes=150, parking=30))

    assert costs.total == eur("5.0000", "5.5000")
    assert costs.time == eur("5.0000", "5.5000")
    assert costs.parking == eur("0")
    assert costs.total_time_h == Decimal("3")
    assert costs.total_parking_time_h == Decimal("0.5")


def test_3_per_hour_and_5_per_hour_parking_rounds_parking_to_5_minutes():
    # tariff_13_simple_3hour_5parking: 150 minutes charging + 42 parking: "€ 11.25
    # (excl. VAT) or € 12.75 (incl. VAT) ... has to pay for 45 minutes of parking".
    # 2.5 h * 3.00 = 7.50 (8.25 incl. 10%); 0.75 h * 5.00 = 3.75 (4.50 incl. 20%).
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "TIME", "price": 3.00, "vat": 10.0, "step_size": 60},
                    {"type": "PARKING_TIME", "price": 5.00, "vat": 20.0, "step_size": 300},
                ]
            }
        ],
    }

    costs = price(tariff, charged(30, minutes=150, parking=42))

    assert costs.total == eur("11.2500", "12.7500")
    assert costs.time == eur("7.5000", "8.2500")
    assert costs.parking == eur("3.7500", "4.5000")


def test_ad_hoc_190_per_hour_incl_vat_is_not_rounded_to_cents():
    # tariff_2_alt_text: 2.5 h at 1.90 with 5.2% VAT: "€ 4.75 (excl. VAT) or € 5.00
    # (incl. VAT)". 4.75 * 1.052 = 4.997; the spec shows it rounded to cents.
    tariff = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "TIME", "price": 1.90, "vat": 5.2, "step_size": 300}]}
        ],
    }

    costs = price(tariff, charged(10, minutes=150))

    assert costs.total == eur("4.7500", "4.9970")


def test_energy_billed_per_100_wh_rounds_20_45_kwh_up_to_20_5():
    # tariff_3_alt_url: "the driver has to pay for 20.5 kWh even though they only charged
    # 20.45 kWh". 20.5 * 0.25 = 5.125 (spec: 5.13), * 1.1 = 5.6375 (spec: 5.64);
    # with the start fee 5.625 (spec: 5.63) and 6.2375 (spec: 6.24).
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
                    {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 100},
                ]
            }
        ],
    }

    costs = price(tariff, charged(20.45))

    assert costs.energy == eur("5.1250", "5.6375")
    assert costs.total == eur("5.6250", "6.2375")
    # Volumes are what was used, before step sizes (CDR total_energy).
    assert costs.total_energy_kwh == Decimal("20.45")


@pytest.mark.parametrize(
    ("step", "billed"),
    [
        # "If someone charges their EV with 115.2 Wh, then they are billed for 116 Wh,
        # resulting in total cost of € 0.029." (step_size 1, price 0.25)
        (1, "0.0290"),
        # "When step_size = 500, then the same amount will be billed for 1 to 500 Wh:
        # € 0.125." (The step 25 case, 125 Wh = 0.03125, the spec shows rounded as 0.031.)
        (500, "0.1250"),
    ],
)
def test_115_2_wh_is_billed_in_whole_steps_of_wh(step, billed):
    # OCPI 2.2.1 tariffs §11.4.3 step_size note.
    tariff = {
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": step}]}],
    }
    t0 = local(f"{MONDAY} 10:00")
    usage = session(t0, later(t0, 1), samples=meter((t0, 0), (later(t0, 1), 115.2)))

    costs = price(tariff, usage)

    assert costs.energy == eur(billed)
    assert costs.total_energy_kwh == Decimal("0.1152")


# tariff_4_complex
COMPLEX = {
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "FLAT", "price": 2.50, "vat": 15.0, "step_size": 1}]},
        {
            "price_components": [{"type": "TIME", "price": 1.00, "vat": 20.0, "step_size": 900}],
            "restrictions": {"max_current": 32.00},
        },
        {
            "price_components": [{"type": "TIME", "price": 2.00, "vat": 20.0, "step_size": 600}],
            "restrictions": {
                "min_current": 32.00,
                "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
            },
        },
        {
            "price_components": [{"type": "TIME", "price": 1.25, "vat": 20.0, "step_size": 600}],
            "restrictions": {"min_current": 32.00, "day_of_week": ["SATURDAY", "SUNDAY"]},
        },
        {
            "price_components": [
                {"type": "PARKING_TIME", "price": 5.00, "vat": 10.0, "step_size": 300}
            ],
            "restrictions": {
                "start_time": "09:00",
                "end_time": "18:00",
                "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
            },
        },
        {
            "price_components": [
                {"type": "PARKING_TIME", "price": 6.00, "vat": 10.0, "step_size": 300}
            ],
            "restrictions": {
                "start_time": "10:00",
                "end_time": "17:00",
                "day_of_week": ["SATURDAY"],
            },
        },
    ],
}


def complex_session(day: str, start: str, charging: int, parking: int, amps: float):
    begin = local(f"{day} {start}")
    stop = later(begin, charging)
    end = later(stop, parking)
    return session(
        begin,
        end,
        samples=meter((begin, 0), current_a=amps)
        + meter((stop, 20_000), (end, 20_000), current_a=0),
        charging_until=stop,
    )


def test_complex_tariff_on_monday_morning_at_16_amps():
    # "a charging session on a Monday morning starting at 09:30 which takes 2:45 hours
    # (165 minutes), where the driver uses a maximum of 16A of current and is parking
    # for additional 42 minutes afterwards, ... € 9.00 (excl. VAT) or € 10.30 (incl. VAT)"
    # Flat 2.50 (2.875); 165 min < 32 A at 1.00/h = 2.75 (3.30), not rounded as it is
    # followed by parking; parking 42 -> 45 min at 5.00/h = 3.75 (4.125).
    costs = price(COMPLEX, complex_session(MONDAY, "09:30", 165, 42, amps=16))

    assert costs.total == eur("9.0000", "10.3000")
    assert costs.fixed == eur("2.5000", "2.8750")
    assert costs.time == eur("2.7500", "3.3000")
    assert costs.parking == eur("3.7500", "4.1250")
    assert costs.total_time_h == hours(207)
    assert costs.total_parking_time_h == hours(42)
    assert spans(costs) == [
        (local(f"{MONDAY} 09:30"), local(f"{MONDAY} 12:15")),
        (local(f"{MONDAY} 12:15"), local(f"{MONDAY} 12:57")),
    ]
    assert element_of(costs.periods, "TIME") == [1, None]
    assert element_of(costs.periods, "PARKING_TIME") == [None, 4]
    assert costs.periods[0].dimensions["TIME"] == hours(165)
    assert costs.periods[0].dimensions["MAX_CURRENT"] == Decimal("16")
    assert costs.periods[1].dimensions["PARKING_TIME"] == hours(42)


def test_complex_tariff_on_saturday_afternoon_at_43_amps():
    # "a charging session on a Saturday afternoon starting at 13:30 which takes 1:54 hours
    # (114 minutes), where the driver uses a minimum of 43A ... and is parking for
    # additional 71 minutes afterwards". The spec's table bills the 114 minutes at
    # 1.25/h as 2.28 (total 12.28 / 13.861), but 1.9 h * 1.25 = 2.375 (2.85 incl. 20%).
    # So: flat 2.50 (2.875) + 2.375 (2.85) + parking 71 -> 75 min at 6.00/h = 7.50
    # (8.25) = 12.375 (13.975).
    costs = price(COMPLEX, complex_session(SATURDAY, "13:30", 114, 71, amps=43))

    assert costs.time == eur("2.3750", "2.8500")
    assert costs.parking == eur("7.5000", "8.2500")
    assert costs.total == eur("12.3750", "13.9750")
    assert element_of(costs.periods, "TIME") == [3, None]
    assert element_of(costs.periods, "PARKING_TIME") == [None, 5]


def test_free_of_charge_tariff_costs_nothing():
    # tariff_5_free_of_charge, as the spec writes it: "one Tariff Element with no
    # restrictions containing one Price Component with type = FLAT and price = 0.00",
    # there with "step_size": 0 (FLAT has no unit for step_size, tariffs §11.4.3).
    tariff = {
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "FLAT", "price": 0.00, "step_size": 0}]}],
    }

    costs = price(tariff, charged(20, parking=30))

    assert costs.total == eur("0")
    assert costs.fixed == eur("0")
    assert costs.total_energy_kwh == Decimal("20")


# OCPI 2.2.1 tariffs §11.3.1.1, reservation examples (tariff_15 to tariff_18).


def test_reservation_15_minutes_at_5_per_hour_before_20_kwh():
    # tariff_15_reservation_5_euro_per_hour: "started 15 minutes after the reservation
    # time, where the driver charges 20 kWh, ... € 6.75 (excl. VAT) or € 7.60 (incl. VAT)"
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [{"type": "TIME", "price": 5.00, "vat": 20.0, "step_size": 60}],
                "restrictions": {"reservation": "RESERVATION"},
            },
            {"price_components": FLAT_050_ENERGY_025},
        ],
    }

    costs = price(tariff, charged(20, reserved=15))

    assert costs.total == eur("6.7500", "7.6000")
    assert costs.reservation == eur("1.2500", "1.5000")
    assert costs.fixed == eur("0.5000", "0.6000")
    assert costs.energy == eur("5.0000", "5.5000")
    # The reservation element's TIME is for reservation time only, never charging time.
    assert costs.time == eur("0")
    assert costs.total_reservation_time_h == Decimal("0.25")
    assert costs.total_time_h == Decimal("2")
    reservation = costs.periods[0]
    assert reservation.reservation is True
    assert (reservation.start, reservation.end) == (
        local(f"{MONDAY} 09:45"),
        local(f"{MONDAY} 10:00"),
    )
    assert reservation.dimensions["RESERVATION_TIME"] == Decimal("0.25")
    assert not any(p.reservation for p in costs.periods[1:])


def test_reservation_fee_and_13_minutes_billed_per_5_minutes():
    # tariff_16_reservation_2_euro_fee_5_euro_per_hour: "started 13 minutes after the
    # reservation time, ... € 8.75 (excl. VAT) or € 10.00 (incl. VAT). ... the driver has
    # to pay for 15 minutes of reservation". Reservation: 2.00 + 0.25 h * 5.00 = 3.25.
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "FLAT", "price": 2.00, "vat": 20.0, "step_size": 1},
                    {"type": "TIME", "price": 5.00, "vat": 20.0, "step_size": 300},
                ],
                "restrictions": {"reservation": "RESERVATION"},
            },
            {"price_components": FLAT_050_ENERGY_025},
        ],
    }

    costs = price(tariff, charged(20, reserved=13))

    assert costs.total == eur("8.7500", "10.0000")
    assert costs.reservation == eur("3.2500", "3.9000")
    # The session's start fee is "fixed"; the reservation fee belongs to the reservation.
    assert costs.fixed == eur("0.5000", "0.6000")
    assert costs.energy == eur("5.0000", "5.5000")


TARIFF_17 = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "FLAT", "price": 4.00, "vat": 20.0, "step_size": 1}],
            "restrictions": {"reservation": "RESERVATION_EXPIRES"},
        },
        {
            "price_components": [{"type": "TIME", "price": 2.00, "vat": 20.0, "step_size": 600}],
            "restrictions": {"reservation": "RESERVATION"},
        },
        {"price_components": FLAT_050_ENERGY_025},
    ],
}


def test_used_reservation_does_not_pay_the_expiry_fee():
    # tariff_17_reservation_with_expire_fee: "started 22 minutes after the reservation
    # time, where the driver charges 20 kWh, ... € 6.50 (excl. VAT) or € 7.30 (incl. VAT)
    # ... the driver has to pay for 30 minutes of reservation".
    costs = price(TARIFF_17, charged(20, reserved=22))

    assert costs.total == eur("6.5000", "7.3000")
    assert costs.reservation == eur("1.0000", "1.2000")


def test_expired_reservation_pays_the_expiry_fee_and_the_reserved_hour():
    # tariff_17: "If the driver did not start a charging session and the reservation
    # expired after the reserved time of 1 hour, ... € 6.00 (excl. VAT) or € 7.20
    # (incl. VAT)": fee 4.00 (RESERVATION_EXPIRES) + 1 h * 2.00 (RESERVATION).
    start = local(f"{MONDAY} 10:00")

    costs = price(TARIFF_17, expired_reservation(start, later(start, 60)))

    assert costs.total == eur("6.0000", "7.2000")
    assert costs.reservation == eur("6.0000", "7.2000")
    # "An expired reservation is priced alone": no session start fee, no energy.
    assert costs.fixed == eur("0")
    assert costs.energy == eur("0")
    assert costs.total_reservation_time_h == Decimal("1")
    assert costs.total_time_h == Decimal("0")
    assert all(p.reservation for p in costs.periods)


TARIFF_18 = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "TIME", "price": 6.00, "vat": 20.0, "step_size": 600}],
            "restrictions": {"reservation": "RESERVATION_EXPIRES"},
        },
        {
            "price_components": [{"type": "TIME", "price": 3.00, "vat": 20.0, "step_size": 600}],
            "restrictions": {"reservation": "RESERVATION"},
        },
        {"price_components": FLAT_050_ENERGY_025},
    ],
}


def test_used_reservation_time_is_billed_at_the_reservation_rate():
    # tariff_18_reservation_with_expire_time: "started 22 minutes after the reservation
    # time, ... € 7.00 (excl. VAT) or € 7.90 (incl. VAT)": 30 min * 3.00/h = 1.50.
    costs = price(TARIFF_18, charged(20, reserved=22))

    assert costs.total == eur("7.0000", "7.9000")
    assert costs.reservation == eur("1.5000", "1.8000")


def test_expired_reservation_time_is_billed_at_the_expiry_rate():
    # tariff_18: "If the driver did not start a charging session and the reservation
    # expired after the reserved time of 1.5 hours, ... € 9.00 (excl. VAT) or € 10.80
    # (incl. VAT)": 1.5 h * 6.00 (RESERVATION_EXPIRES wins over RESERVATION, tariffs
    # §11.4.2 note).
    start = local(f"{MONDAY} 10:00")

    costs = price(TARIFF_18, expired_reservation(start, later(start, 90)))

    assert costs.total == eur("9.0000", "10.8000")
    assert costs.reservation == eur("9.0000", "10.8000")
    assert costs.total_reservation_time_h == Decimal("1.5")


# OCPI 2.2.1 tariffs §11.4.3 (PriceComponent): step_size examples with tariff_14.

TARIFF_14 = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [
                {"type": "TIME", "price": 1.20, "step_size": 1800},
                {"type": "PARKING_TIME", "price": 1.00, "step_size": 900},
            ],
            "restrictions": {"start_time": "00:00", "end_time": "17:00"},
        },
        {
            "price_components": [
                {"type": "TIME", "price": 2.40, "step_size": 900},
                {"type": "PARKING_TIME", "price": 1.00, "step_size": 900},
            ],
            "restrictions": {"start_time": "17:00", "end_time": "20:00"},
        },
        {
            "price_components": [{"type": "TIME", "price": 2.40, "step_size": 900}],
            "restrictions": {"start_time": "20:00", "end_time": "00:00"},
        },
    ],
}


def test_step_size_switching_element_1_rounds_only_the_last_parking():
    # "An EV driver plugs in at 16:55 and charges for 10 minutes (TIME). They then stop
    # charging but stay plugged in for 2 more minutes (PARKING_TIME). ... The parking time
    # of 2 minutes is rounded to 15 minutes ... the session costs € 0.55 ex VAT."
    # 5 min at 1.20/h = 0.10, 5 min at 2.40/h = 0.20, 15 min at 1.00/h = 0.25.
    plug_in = local(f"{MONDAY} 16:55")
    usage = session(plug_in, later(plug_in, 12), charging_until=later(plug_in, 10))

    costs = price(TARIFF_14, usage)

    # No VAT in this tariff: incl. VAT equals excl. VAT.
    assert costs.total == eur("0.5500")
    assert costs.time == eur("0.3000")
    assert costs.parking == eur("0.2500")
    assert spans(costs) == [
        (local(f"{MONDAY} 16:55"), local(f"{MONDAY} 17:00")),
        (local(f"{MONDAY} 17:00"), local(f"{MONDAY} 17:05")),
        (local(f"{MONDAY} 17:05"), local(f"{MONDAY} 17:07")),
    ]
    assert [p.costs for p in costs.periods] == [
        {"TIME": eur("0.1000")},
        {"TIME": eur("0.2000")},
        {"PARKING_TIME": eur("0.2500")},
    ]


def test_step_size_switching_element_2_rounds_the_total_charging_time():
    # "plugs in at 16:35 and charges for 35 minutes (TIME) ... the total charging time is
    # rounded up from 35 to 45 minutes. When considering the already billed 25 minutes of
    # charging time before 17:00, we are left with 20 minutes to bill after 17:00. That
    # leads to a session fee of € 1.30": 25 min * 1.20/h = 0.50, 20 min * 2.40/h = 0.80.
    # The 30-minute step before 17:00 is not used: it is not the last component.
    plug_in = local(f"{MONDAY} 16:35")

    costs = price(TARIFF_14, session(plug_in, later(plug_in, 35)))

    assert costs.total == eur("1.3000")
    assert [p.costs for p in costs.periods] == [
        {"TIME": eur("0.5000")},
        {"TIME": eur("0.8000")},
    ]
    # The CDR still says what was used: 35 minutes, 10 of them after 17:00.
    assert in_minutes(costs.total_time_h) == 35
    assert in_minutes(costs.periods[1].dimensions["TIME"]) == 10


def test_step_size_switching_to_free_parking_rounds_the_last_paid_parking():
    # "plugs in at 19:40 and charges for 12 minutes (TIME). They then stop charging but
    # stay plugged in for 20 more minutes (PARKING_TIME). ... The total of billable parking
    # time for the session is 8 minutes. This is rounded up to 15 minutes ... added to the
    # last period with a Price Component with a time-based dimension, that is the one from
    # 19:52 to 20:00. ... total session fee of € 0.73": 12 min * 2.40/h = 0.48,
    # 15 min * 1.00/h = 0.25; after 20:00 no element prices parking.
    plug_in = local(f"{MONDAY} 19:40")
    usage = session(plug_in, later(plug_in, 32), charging_until=later(plug_in, 12))

    costs = price(TARIFF_14, usage)

    assert costs.total == eur("0.7300")
    assert costs.time == eur("0.4800")
    assert costs.parking == eur("0.2500")
    assert spans(costs) == [
        (local(f"{MONDAY} 19:40"), local(f"{MONDAY} 19:52")),
        (local(f"{MONDAY} 19:52"), local(f"{MONDAY} 20:00")),
        (local(f"{MONDAY} 20:00"), local(f"{MONDAY} 20:12")),
    ]
    assert [p.costs for p in costs.periods] == [
        {"TIME": eur("0.4800")},
        {"PARKING_TIME": eur("0.2500")},
        {},
    ]
    assert costs.periods[0].dimensions["TIME"] == Decimal("0.2")


# OCPI 2.2.1 CDRs §10.3.1 (CDR object), "step_size" examples.


def test_charging_time_is_not_rounded_when_parking_follows():
    # "step_size for both charging (TIME) and parking is 5 minutes. After 21 minutes of
    # charging, the EV is full but remains connected for 7 more minutes. The cost of
    # charging will be calculated based on 21 minutes (not 25). The cost of parking will
    # be calculated based on 10 minutes". Prices are ours: 3.00/h and 6.00/h, so
    # 21 min = 1.05 and 10 min = 1.00.
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "TIME", "price": 3.00, "step_size": 300},
                    {"type": "PARKING_TIME", "price": 6.00, "step_size": 300},
                ]
            }
        ],
    }
    plug_in = local(f"{MONDAY} 10:00")
    usage = session(plug_in, later(plug_in, 28), charging_until=later(plug_in, 21))

    costs = price(tariff, usage)

    assert costs.time == eur("1.0500")
    assert costs.parking == eur("1.0000")
    assert costs.total == eur("2.0500")


def test_energy_step_rounds_the_session_total_not_the_last_period():
    # "Energy costs € 0.20 per kWh before 17:00 and € 0.27 per kWh after 17:00. Both
    # Price Components have a step_size of 500 Wh. If a driver charges 4.3 kWh before
    # 17:00 and 1.1 kWh after 17:00, a total of 5.4 kWh is charged. The step_size rounds
    # this up to 5.5 kWh total. It does NOT round the energy used after 17:00 to 1.5 kWh."
    # 4.3 * 0.20 = 0.86; (1.1 + 0.1) * 0.27 = 0.324.
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 500}],
                "restrictions": {"start_time": "00:00", "end_time": "17:00"},
            },
            {"price_components": [{"type": "ENERGY", "price": 0.27, "step_size": 500}]},
        ],
    }
    start, five, end = (local(f"{MONDAY} {t}") for t in ("16:00", "17:00", "18:00"))
    usage = session(start, end, samples=meter((start, 0), (five, 4300), (end, 5400)))

    costs = price(tariff, usage)

    assert costs.energy == eur("1.1840")
    assert costs.total_energy_kwh == Decimal("5.4")
    assert [p.costs["ENERGY"] for p in costs.periods] == [eur("0.8600"), eur("0.3240")]
    assert [p.dimensions["ENERGY"] for p in costs.periods] == [Decimal("4.3"), Decimal("1.1")]


def test_time_step_rounds_the_session_total_not_the_last_period():
    # "Time costs € 5 per hour before 17:00 and € 7 per hour after 17:00. Both Price
    # Components have a step_size of 10 minutes. If a driver charges 6 minutes before
    # 17:00 and 22 minutes after 17:00, this makes a total of 28 minutes charging. The
    # step_size rounds this up to 30 minutes total, so 24 minutes after 17:00 will be
    # billed." 0.1 h * 5 = 0.50; 0.4 h * 7 = 2.80.
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [{"type": "TIME", "price": 5.00, "step_size": 600}],
                "restrictions": {"start_time": "00:00", "end_time": "17:00"},
            },
            {"price_components": [{"type": "TIME", "price": 7.00, "step_size": 600}]},
        ],
    }
    plug_in = local(f"{MONDAY} 16:54")

    costs = price(tariff, session(plug_in, later(plug_in, 28)))

    assert costs.time == eur("3.3000")
    assert [p.costs["TIME"] for p in costs.periods] == [eur("0.5000"), eur("2.8000")]


def test_time_and_parking_step_rounds_only_the_parking_duration():
    # "Time spent charging costs € 1.00 per hour and time spent parking (not charging)
    # costs € 2.00 per hour. Both Price Components have a step_size of 10 minutes. If a
    # driver charges 21 minutes, and keeps his EV connected while it is full for another
    # 16 minutes, then the step_size rounds the parking duration up to 20 minutes".
    # 0.35 h * 1.00 = 0.35; 20/60 h * 2.00 = 0.6667 (4 decimals).
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "TIME", "price": 1.00, "step_size": 600},
                    {"type": "PARKING_TIME", "price": 2.00, "step_size": 600},
                ]
            }
        ],
    }
    plug_in = local(f"{MONDAY} 10:00")
    usage = session(plug_in, later(plug_in, 37), charging_until=later(plug_in, 21))

    costs = price(tariff, usage)

    assert costs.time == eur("0.3500")
    assert costs.parking == eur("0.6667")
    assert costs.total == eur("1.0167")


# OCPI 2.2.1 tariffs §11.4.4 (TariffRestrictions) examples.

MAX_POWER = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.20, "vat": 20.0, "step_size": 1}],
            "restrictions": {"max_power": 16.00},
        },
        {
            "price_components": [{"type": "ENERGY", "price": 0.35, "vat": 20.0, "step_size": 1}],
            "restrictions": {"max_power": 32.00},
        },
        {"price_components": [{"type": "ENERGY", "price": 0.50, "vat": 20.0, "step_size": 1}]},
    ],
}


@pytest.mark.parametrize("power_known", [True, False], ids=["sampled-power", "derived-power"])
def test_max_power_example_prices_each_kwh_at_the_power_it_was_charged(power_known):
    # "the EV charges the first kWh with a power of 6 kW, increases the power to 48 kW for
    # the next 40 kWh and reduces it again to 4 kW after that for another 0.5 kWh ...
    # € 20.30 (excl. VAT)": 1 * 0.20 + 40 * 0.50 + 0.5 * 0.20; 24.36 incl. 20%.
    # 1 kWh at 6 kW takes 10 min, 40 kWh at 48 kW 50 min, 0.5 kWh at 4 kW 7.5 min.
    # Without power in the samples it is derived from the energy between them.
    t0 = local(f"{MONDAY} 10:00")
    readings = [(t0, 0, 6000), (later(t0, 10), 1000, 48000), (later(t0, 60), 41000, 4000)]
    end = later(t0, 67.5)
    samples = [
        meter((at, wh), power_w=kw if power_known else None)[0] for at, wh, kw in readings
    ] + meter((end, 41500))

    costs = price(MAX_POWER, session(t0, end, samples=samples))

    assert costs.total == eur("20.3000", "24.3600")
    assert spans(costs) == [
        (t0, later(t0, 10)),
        (later(t0, 10), later(t0, 60)),
        (later(t0, 60), end),
    ]
    assert element_of(costs.periods, "ENERGY") == [0, 2, 0]
    assert [p.dimensions["ENERGY"] for p in costs.periods] == [
        Decimal("1"),
        Decimal("40"),
        Decimal("0.5"),
    ]
    assert costs.periods[1].dimensions["MAX_POWER"] == Decimal("48")


def test_max_duration_example_gives_the_first_30_minutes_for_free():
    # "a charging session with a duration of 40 minutes where 5 kWh are charged during the
    # first 30 minutes and another 1.2 kWh in the remaining 10 minutes of the session, ...
    # € 0.30 (excl. VAT)": 5 kWh free, 1.2 kWh * 0.25; 0.36 incl. 20%.
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.00, "vat": 20.0, "step_size": 1}
                ],
                "restrictions": {"max_duration": 1800},
            },
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.25, "vat": 20.0, "step_size": 1}
                ],
                "restrictions": {"max_duration": 3600},
            },
            {"price_components": [{"type": "ENERGY", "price": 0.40, "vat": 20.0, "step_size": 1}]},
        ],
    }
    t0 = local(f"{MONDAY} 10:00")
    samples = meter((t0, 0), (later(t0, 30), 5000), (later(t0, 40), 6200))

    costs = price(tariff, session(t0, later(t0, 40), samples=samples))

    assert costs.total == eur("0.3000", "0.3600")
    assert spans(costs) == [(t0, later(t0, 30)), (later(t0, 30), later(t0, 40))]
    assert element_of(costs.periods, "ENERGY") == [0, 1]

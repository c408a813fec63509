"""The running cost updated a meter value at a time equals the session priced whole.

Each session here is priced after every new reading twice: from the state of
the previous update (``running_update``) and from scratch (``price_session``).
Totals and periods must be identical, for tariffs that use every dimension,
step sizes, time of day, energy, duration, power and current restrictions,
min/max prices, parking and a daylight-saving change.
"""

import datetime
import random

import pytest

from billing.pricing import Sample, StateChange, TariffSpec, Usage, price_session
from billing.pricing.running import RunningState, running_price, running_update
from tests.billing.pricing_helpers import AMSTERDAM

START = datetime.datetime(2026, 3, 28, 22, 0, tzinfo=datetime.UTC)  # the night of a DST change

TARIFFS = {
    "day and night energy, charging time under 32 A, daytime parking": {
        "elements": [
            {"price_components": [{"type": "FLAT", "price": 1.0, "vat": 19.0, "step_size": 1}]},
            {
                "price_components": [{"type": "TIME", "price": 1.0, "step_size": 60}],
                "restrictions": {"max_current": 32.0},
            },
            {
                "price_components": [{"type": "ENERGY", "price": 0.39, "step_size": 1}],
                "restrictions": {"start_time": "08:00", "end_time": "20:00"},
            },
            {"price_components": [{"type": "ENERGY", "price": 0.29, "step_size": 1}]},
            {
                "price_components": [{"type": "PARKING_TIME", "price": 6.0, "step_size": 300}],
                "restrictions": {"start_time": "09:00", "end_time": "18:00"},
            },
        ]
    },
    "energy tiers, power bands, duration blocks, min and max price": {
        "min_price": {"excl_vat": 2.0, "incl_vat": 2.4},
        "max_price": {"excl_vat": 40.0},
        "elements": [
            {
                "price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 500}],
                "restrictions": {"max_kwh": 5.0},
            },
            {
                "price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 100}],
                "restrictions": {"min_kwh": 5.0, "min_power": 11.0},
            },
            {"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]},
            {
                "price_components": [{"type": "TIME", "price": 2.0, "step_size": 900}],
                "restrictions": {"min_duration": 3600, "max_duration": 7200},
            },
            {
                "price_components": [{"type": "PARKING_TIME", "price": 3.0, "step_size": 60}],
            },
        ],
    },
}


def spec(name: str) -> TariffSpec:
    return TariffSpec.from_ocpi({"id": "RUN", "currency": "EUR", **TARIFFS[name]})


def readings(seed: int, count: int, *, with_power: bool, power_from: int = 0) -> list[Sample]:
    """A session's readings: uneven intervals, changing power, some moments read twice."""
    rng = random.Random(seed)
    at, wh, result = START, 10_000.0, []
    for n in range(count):
        gap = rng.choice([0, 7, 30, 60, 300, 900, 1800])
        at += datetime.timedelta(seconds=gap)
        kw = rng.choice([0.0, 3.7, 7.4, 11.0, 22.0])
        # A second reading of the same moment (power or current alone) repeats the register.
        wh += kw * 1000 * rng.random() / 4 if gap else 0
        current = rng.choice([None, 6.0, 16.0, 32.0, 48.0])
        power = kw * 1000 if with_power and n >= power_from and rng.random() < 0.7 else None
        result.append(Sample(at=at, energy_wh=round(wh, 1), power_w=power, current_a=current))
    return result


def usage(samples: list[Sample], *, parked_at: datetime.datetime | None) -> Usage:
    states = ()
    if parked_at is not None:
        states = (StateChange(at=START, charging=True), StateChange(at=parked_at, charging=False))
    return Usage(
        currency="EUR",
        start=START,
        end=max([START, *(sample.at for sample in samples)]),
        time_zone=AMSTERDAM,
        samples=tuple(samples),
        states=states,
    )


def replay(tariff: TariffSpec, samples: list[Sample], *, parked_at=None) -> list[str]:
    """Feed the readings one by one; returns how each update was made."""
    how = []
    costs, state = running_price(tariff, usage(samples[:1], parked_at=parked_at))
    for n in range(2, len(samples) + 1):
        whole = usage(samples[:n], parked_at=parked_at)
        new = [sample for sample in samples[:n] if sample.at >= state.end]
        # Through JSON, as it is kept in the database between two meter values.
        saved = RunningState.from_json(state.to_json(), tariff)
        updated = running_update(tariff, whole, saved, new)
        if updated is None:
            how.append("from scratch")
            costs, state = running_price(tariff, whole)
        else:
            how.append("updated")
            costs, state = updated
        expected = price_session(tariff, whole)
        assert costs.total == expected.total, f"after reading {n}"
        assert costs.periods == expected.periods, f"after reading {n}"
    return how


@pytest.mark.parametrize("name", sorted(TARIFFS))
@pytest.mark.parametrize("seed", range(10))
def test_updating_a_reading_at_a_time_prices_like_the_whole_session(name, seed):
    samples = readings(seed, 50, with_power=seed % 2 == 0)
    parked_at = samples[30].at if seed % 3 == 0 else None

    how = replay(spec(name), samples, parked_at=parked_at)

    assert how.count("updated") >= 45


def test_the_first_reported_power_prices_the_session_from_scratch_once():
    samples = readings(7, 30, with_power=True, power_from=15)

    how = replay(spec("energy tiers, power bands, duration blocks, min and max price"), samples)

    first_power = next(n for n, s in enumerate(samples) if s.power_w is not None)
    assert how[first_power - 1] == "from scratch"
    assert how.count("from scratch") == 1


def test_another_register_value_for_the_last_moment_is_not_taken_as_an_update():
    tariff = spec("day and night energy, charging time under 32 A, daytime parking")
    samples = readings(3, 10, with_power=False)
    _, state = running_price(tariff, usage(samples, parked_at=None))
    corrected = Sample(at=state.end, energy_wh=float(state.last.energy_wh) + 5)

    assert running_update(tariff, usage(samples, parked_at=None), state, [corrected]) is None


def test_a_replayed_older_reading_is_not_taken_as_an_update():
    tariff = spec("day and night energy, charging time under 32 A, daytime parking")
    samples = readings(3, 10, with_power=False)
    _, state = running_price(tariff, usage(samples, parked_at=None))
    older = Sample(at=samples[5].at - datetime.timedelta(seconds=1), energy_wh=1.0)

    assert running_update(tariff, usage(samples, parked_at=None), state, [older]) is None


def test_a_state_of_another_version_is_not_read():
    tariff = spec("day and night energy, charging time under 32 A, daytime parking")
    _, state = running_price(tariff, usage(readings(1, 5, with_power=False), parked_at=None))

    assert RunningState.from_json({**state.to_json(), "version": 0}, tariff) is None

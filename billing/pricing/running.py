"""The running cost of a session, updated a meter value at a time.

Pricing a session anew for every meter value costs time in proportion to its
length: a 24-hour session sampled every 10 s is 8,640 samples to re-read and
re-cut for one new one. Instead the charging periods priced so far are kept
(``RunningState``) and only the part since the last update is cut and priced:
the work of an update does not grow with the session.

The result is the same as ``price_session`` on the whole session, because
every sample time is a cut point: the segments before the last update do not
change when a later sample arrives. Step sizes and the tariff's min/max price
apply to totals, so they are applied again, to copies, at each update. A few
things change the past, and then the session is priced from scratch once
(``running_update`` answers None): readings older than the last update (a
charger replaying its buffer after an outage), another register value for
the moment of the last update, and the first reported power in a session that
had none (the engine then stops deriving power from the energy, for the whole
session). The final CDR is always priced from scratch.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from billing.pricing.engine import (
    booked_periods,
    costs_total,
    session_periods_extend,
    session_periods_finish,
    usage_check,
)
from billing.pricing.periods import Period
from billing.pricing.tariffs import TariffSpec
from billing.pricing.timeline import Meter
from billing.pricing.types import Costs, Sample, Usage

VERSION = 1


@dataclass
class RunningState:
    # Priced until here, the newest reading of the register.
    end: datetime.datetime
    # The register at the session's start: energy thresholds count from it.
    base_wh: Decimal
    # The register at ``end``, with the power and current reported by then.
    last: Sample
    # The session reports no power: it is derived from the energy.
    derive_power: bool
    periods: list[Period]

    def to_json(self) -> dict:
        return {
            "version": VERSION,
            "end": self.end.isoformat(),
            "base_wh": str(self.base_wh),
            "last": {
                "at": self.last.at.isoformat(),
                "energy_wh": str(self.last.energy_wh),
                "power_w": self.last.power_w,
                "current_a": self.last.current_a,
                "voltage_v": self.last.voltage_v,
            },
            "derive_power": self.derive_power,
            "periods": [_period_json(period) for period in self.periods],
        }

    @classmethod
    def from_json(cls, data: dict, tariff: TariffSpec) -> "RunningState | None":
        """The state saved by ``to_json``; None for one of another version."""
        if not data or data.get("version") != VERSION:
            return None
        last = data["last"]
        return cls(
            end=datetime.datetime.fromisoformat(data["end"]),
            base_wh=Decimal(data["base_wh"]),
            last=Sample(
                at=datetime.datetime.fromisoformat(last["at"]),
                energy_wh=Decimal(last["energy_wh"]),
                power_w=last["power_w"],
                current_a=last["current_a"],
                # Absent from states saved before voltage was read.
                voltage_v=last.get("voltage_v"),
            ),
            derive_power=data["derive_power"],
            periods=[_period_from_json(period, tariff) for period in data["periods"]],
        )


def _period_json(period: Period) -> dict:
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "key": [period.key[0], [list(pair) for pair in period.key[1]]],
        "dimensions": {name: str(value) for name, value in period.dimensions.items()},
        "priced": {dim: [index, str(amount)] for dim, (index, _, amount) in period.priced.items()},
        "flat": None if period.flat is None else period.flat[0],
    }


def _period_from_json(data: dict, tariff: TariffSpec) -> Period:
    def component(index: int, dim: str):
        return tariff.elements[index].component(dim)

    flat = data["flat"]
    return Period(
        start=datetime.datetime.fromisoformat(data["start"]),
        end=datetime.datetime.fromisoformat(data["end"]),
        key=(data["key"][0], tuple(tuple(pair) for pair in data["key"][1])),
        dimensions={name: Decimal(value) for name, value in data["dimensions"].items()},
        priced={
            dim: (index, component(index, dim), Decimal(amount))
            for dim, (index, amount) in data["priced"].items()
        },
        flat=None if flat is None else (flat, component(flat, "FLAT")),
    )


def _costs(tariff: TariffSpec, usage: Usage, periods: list[Period]) -> Costs:
    return costs_total(
        tariff, booked=booked_periods(tariff, usage), session=session_periods_finish(periods)
    )


def _state(usage: Usage, meter: Meter, *, base: Decimal, derive: bool, periods) -> RunningState:
    end = usage.end
    last = Sample(
        at=end,
        energy_wh=meter.at(end),
        power_w=meter.last_value(end, "power_w"),
        current_a=meter.last_value(end, "current_a"),
        voltage_v=meter.last_value(end, "voltage_v"),
    )
    return RunningState(end=end, base_wh=base, last=last, derive_power=derive, periods=periods)


def running_price(tariff: TariffSpec, usage: Usage) -> tuple[Costs, RunningState | None]:
    """The session priced from scratch, as ``price_session`` does, and the state to update.

    No state for a reservation that expired: there is no session to update.
    """
    usage_check(tariff, usage)
    if usage.reservation is not None and usage.reservation.expired:
        return costs_total(tariff, booked=booked_periods(tariff, usage), session=[]), None
    meter = Meter(usage.samples)
    base, derive = meter.at(usage.start), not meter.has("power_w")
    periods = session_periods_extend(
        tariff, usage, meter, [], start=usage.start, base=base, derive_power=derive
    )
    state = _state(usage, meter, base=base, derive=derive, periods=periods)
    return _costs(tariff, usage, periods), state


def running_update(
    tariff: TariffSpec, usage: Usage, state: RunningState, samples: list[Sample]
) -> tuple[Costs, RunningState] | None:
    """The session priced until ``usage.end`` from ``state`` and the readings since.

    ``state`` is continued, not copied: use the state this returns afterwards.

    ``samples`` are the readings taken at or after ``state.end``; ``usage``
    describes the session (its start, new end, states, time zone, reservation)
    and its own samples are not read. None when the state cannot be continued:
    price from scratch (``running_price``) then.
    """
    usage_check(tariff, usage)
    if usage.end < state.end or state.end <= usage.start:
        return None
    if any(sample.at < state.end for sample in samples):
        return None
    if state.derive_power and any(sample.power_w is not None for sample in samples):
        return None
    # The reading at the last update, completed by what arrived for the same moment.
    first = state.last
    for sample in samples:
        if sample.at == state.end:
            if Decimal(str(sample.energy_wh)) != Decimal(str(first.energy_wh)):
                # Another register value for that moment moves the segment before it.
                return None
            first = Sample(
                at=first.at,
                energy_wh=sample.energy_wh,
                power_w=first.power_w if sample.power_w is None else sample.power_w,
                current_a=first.current_a if sample.current_a is None else sample.current_a,
                voltage_v=first.voltage_v if sample.voltage_v is None else sample.voltage_v,
            )
    later = [sample for sample in samples if sample.at > state.end]
    meter = Meter([first, *later])
    # Continued in place: the state is read afresh for every update.
    periods = state.periods
    if usage.end > state.end:
        periods = session_periods_extend(
            tariff,
            usage,
            meter,
            periods,
            start=state.end,
            base=state.base_wh,
            derive_power=state.derive_power,
        )
    new_state = _state(usage, meter, base=state.base_wh, derive=state.derive_power, periods=periods)
    return _costs(tariff, usage, periods), new_state

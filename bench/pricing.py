"""How long the cost engine takes, by session length: a whole session, and one update.

A whole session is priced for its CDR. The running cost drivers see is updated
at each meter value from the state of the previous update (billing/pricing/
running.py), through JSON as it is kept in the database: that update should
not grow with the session. Prints one line per case; no thresholds, just
figures (docs/architecture.md: timings are benchmarks).
"""

import datetime
import statistics
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing.pricing import Sample, StateChange, TariffSpec, Usage, price_session
from billing.pricing.running import RunningState, running_price, running_update

# Start fee, charging time under 32 A, day and night energy, daytime parking.
TARIFF = TariffSpec.from_ocpi(
    {
        "id": "BENCH",
        "currency": "EUR",
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
        ],
    }
)
ZONE = zoneinfo.ZoneInfo("Europe/Berlin")
START = datetime.datetime(2026, 3, 28, 18, 0, tzinfo=datetime.UTC)  # spans a DST change


def usage(hours: float, interval_s: int) -> Usage:
    count = int(hours * 3600 / interval_s) + 1
    samples = [
        Sample(
            at=START + datetime.timedelta(seconds=interval_s * i),
            energy_wh=11_000 * interval_s * i / 3600,
            power_w=11_000,
            current_a=48,
        )
        for i in range(count)
    ]
    parked = START + datetime.timedelta(hours=hours * 0.8)
    return Usage(
        currency="EUR",
        start=START,
        end=samples[-1].at,
        time_zone=ZONE,
        samples=samples,
        states=[StateChange(at=parked, charging=False)],
    )


def update_ms(session: Usage, interval_s: int) -> float:
    """One running-cost update: the state of the session so far plus one new reading."""
    _, state = running_price(TARIFF, session)
    saved = state.to_json()
    last = session.samples[-1]
    new = Sample(
        at=last.at + datetime.timedelta(seconds=interval_s),
        energy_wh=last.energy_wh + 11_000 * interval_s / 3600,
        power_w=11_000,
        current_a=48,
    )
    longer = Usage(
        currency=session.currency,
        start=session.start,
        end=new.at,
        time_zone=session.time_zone,
        samples=(),
        states=session.states,
    )
    runs = []
    for _ in range(20):
        began = time.perf_counter()
        assert running_update(TARIFF, longer, RunningState.from_json(saved, TARIFF), [new])
        runs.append(time.perf_counter() - began)
    return statistics.median(runs) * 1000


def main() -> None:
    print("cost engine: a whole session priced (a CDR), and one running-cost update")
    for hours, interval in ((1, 60), (1, 10), (6, 60), (6, 10), (24, 10)):
        session = usage(hours, interval)
        runs = []
        for _ in range(5):
            began = time.perf_counter()
            price_session(TARIFF, session)
            runs.append(time.perf_counter() - began)
        print(
            f"  {hours:>2} h, a sample every {interval:>2} s ({len(session.samples):>5} samples):"
            f" whole session {statistics.median(runs) * 1000:7.1f} ms,"
            f" one update {update_ms(session, interval):5.2f} ms"
        )


if __name__ == "__main__":
    main()

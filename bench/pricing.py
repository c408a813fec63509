"""How long the cost engine takes to price one session, by session length.

The running cost is recomputed from the whole session at each meter value, so
this is the price of one MeterValues for a session that long. Prints one line
per case; no thresholds, just figures (docs/architecture.md: timings are benchmarks).
"""

import datetime
import statistics
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing.pricing import Sample, StateChange, TariffSpec, Usage, price_session

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


def main() -> None:
    print("cost engine: one session priced (the work of one running-cost update)")
    for hours, interval in ((1, 60), (1, 10), (6, 60), (6, 10), (24, 10)):
        session = usage(hours, interval)
        runs = []
        for _ in range(5):
            began = time.perf_counter()
            price_session(TARIFF, session)
            runs.append(time.perf_counter() - began)
        print(
            f"  {hours:>2} h, a sample every {interval:>2} s ({len(session.samples):>5} samples):"
            f" median {statistics.median(runs) * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    main()

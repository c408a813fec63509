"""What a simulation run is told (Options) and what its chargers saw (Stats)."""

import statistics
import time
from dataclasses import dataclass, field

SUBPROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}


@dataclass
class Stats:
    """What all simulated chargers saw, shared by them."""

    connected: int = 0
    peak_connected: int = 0
    calls: int = 0
    errors: int = 0
    transactions: int = 0
    latencies: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def record(self, seconds: float) -> None:
        self.calls += 1
        self.latencies.append(seconds)

    def fail(self, reason: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(reason)

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)] * 1000

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (
            f"connected {self.connected} | calls {self.calls} ({self.calls / elapsed:.0f}/s) | "
            f"transactions {self.transactions} | errors {self.errors} | "
            f"p50 {self.percentile(0.5):.1f} ms | p99 {self.percentile(0.99):.1f} ms"
        )

    def summary(self) -> dict:
        elapsed = time.monotonic() - self.started
        return {
            "seconds": round(elapsed, 1),
            "peak_connected": self.peak_connected,
            "calls": self.calls,
            "calls_per_second": round(self.calls / elapsed, 1) if elapsed else 0.0,
            "transactions": self.transactions,
            "errors": self.errors,
            "p50_ms": round(self.percentile(0.5), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2) if self.latencies else 0,
        }


@dataclass
class Options:
    url: str
    version: str
    duration: float
    meter_interval: float = 1.0
    meter_values_per_session: int = 5
    id_tag: str = "DEMO-RFID-0001"
    password: str | None = None
    connect_timeout: float = 30.0
    # Charge only when told to (remote start/stop) instead of in a loop.
    remote: bool = False
    # Charge this many times, then stay connected until every charger has:
    # the run ends when all are done, however fast the CSMS answers.
    sessions: int | None = None

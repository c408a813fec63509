"""Benchmark: a real Daphne server and N simulated chargers on this machine.

Prints sustained calls per second, p50/p99 latency as the chargers saw it,
and the server's memory per connection. Only 127.0.0.1 is ever contacted.

    python bench/gateway.py --chargers 1000 --duration 60 --ocpp 1.6
"""

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocpp_gateway.simulator import Options, simulate  # noqa: E402
from tests.server import manage, project_env, running_server  # noqa: E402


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def run(args, pid: int, base_url: str) -> dict:
    ids = [f"BENCH-{n:05d}" for n in range(args.chargers)]
    baseline = rss_kib(pid)
    peak = {"rss": baseline, "connected": 0}
    options = Options(
        url=base_url.replace("http://", "ws://") + "/ocpp",
        version=args.ocpp,
        duration=args.duration,
        meter_interval=args.meter_interval,
        meter_values_per_session=args.meter_values,
        id_tag="BENCH-TAG",
    )
    progress = (lambda line: print("  " + line, flush=True)) if not args.quiet else None
    task = asyncio.create_task(
        simulate(chargepoint_ids=ids, options=options, progress=progress, ramp_seconds=args.ramp)
    )
    while not task.done():
        await asyncio.sleep(0.5)
        rss = rss_kib(pid)
        if rss > peak["rss"]:
            peak["rss"] = rss
    stats = task.result()
    summary = stats.summary()
    per_connection = (peak["rss"] - baseline) / max(stats.peak_connected, 1)
    summary.update(
        {
            "chargers": args.chargers,
            "ocpp": args.ocpp,
            "server_rss_baseline_mib": round(baseline / 1024, 1),
            "server_rss_peak_mib": round(peak["rss"] / 1024, 1),
            "memory_per_connection_kib": round(per_connection, 1),
            "errors_sample": stats.error_samples,
        }
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--ocpp", choices=["1.6", "2.0.1"], default="1.6")
    parser.add_argument(
        "--meter-interval", type=float, default=1.0, help="seconds between meter values"
    )
    parser.add_argument("--meter-values", type=int, default=10, help="meter values per session")
    parser.add_argument(
        "--ramp", type=float, default=15.0, help="seconds over which chargers connect"
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))

    with tempfile.TemporaryDirectory() as tmp:
        env = project_env(
            SQLITE_PATH=str(Path(tmp) / "bench.sqlite3"),
            DEBUG="0",
            SECRET_KEY="bench-" + "x" * 40,
            LOG_LEVEL="WARNING",
            CSMS_AUTO_REGISTER="1",
        )
        for command in (
            ["migrate", "--noinput"],
            [
                "shell",
                "-c",
                "from accounts.models import IdTag; IdTag.objects.create(idToken='BENCH-TAG')",
            ],
        ):
            result = manage(*command, env=env)
            if result.returncode:
                sys.exit(result.stderr)
        print(
            f"Benchmark: {args.chargers} OCPP {args.ocpp} chargers for {args.duration:g} s "
            f"(meter values every {args.meter_interval:g} s, SQLite, in-memory channel layer)",
            flush=True,
        )
        started = time.monotonic()
        with running_server(env) as base_url:
            pid = base_url.pid
            summary = asyncio.run(run(args, pid, base_url))
        summary["wall_seconds"] = round(time.monotonic() - started, 1)

    print()
    print(f"  sustained calls/s        {summary['calls_per_second']}")
    print(f"  latency p50 / p99        {summary['p50_ms']} ms / {summary['p99_ms']} ms")
    print(f"  peak connections         {summary['peak_connected']}")
    print(
        f"  server memory            {summary['server_rss_baseline_mib']} MiB idle, "
        f"{summary['server_rss_peak_mib']} MiB at peak"
    )
    print(f"  memory per connection    {summary['memory_per_connection_kib']} KiB")
    print(f"  calls / errors           {summary['calls']} / {summary['errors']}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

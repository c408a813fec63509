"""Benchmark: one CSMS process against a raw WebSocket echo server, same core, same run.

The server under test (the echo server, then the CSMS) runs pinned to one
core and the Node load client (bench/load/client.mjs) to another, so the
client is not what limits the figures. Absolute figures vary with the
machine; the ratio to the echo server, measured in the same run, does not.
Prints one table; no thresholds (docs/architecture.md: timings are
benchmarks). Only 127.0.0.1 is ever contacted.

    python bench/capacity.py --chargers 1000 --seconds 20 --storm 1000 --idle 1000

Then, where installed, the same closed loop on PostgreSQL (a throwaway
cluster, bench/postgres.py) and with two server processes sharing Redis and
PostgreSQL, the chargers spread over both.
"""

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.postgres import connections_to, postgres_cluster  # noqa: E402
from tests.server import (  # noqa: E402
    ListeningProcess,
    ServerProcess,
    manage,
    project_env,
    redis_server,
)

CLIENT = ROOT / "bench" / "load" / "client.mjs"
# The targets (docs: issue 14), as ratios and limits.
THROUGHPUT_TARGET = 0.15
P50_TARGET_MS, P99_TARGET_MS = 10, 50
IDLE_TARGET_KIB = 40
POSTGRES_TARGET = 0.70


def cores() -> tuple[list[str], list[str]]:
    """taskset prefixes for the server and the client: different cores where there are two."""
    if (os.cpu_count() or 1) < 2:
        return [], []
    return ["taskset", "-c", "0"], ["taskset", "-c", "1"]


SERVER_CORE, CLIENT_CORE = cores()


class EchoProcess(ListeningProcess):
    name = "the echo server"

    def command(self, port: int) -> list[str]:
        return [*SERVER_CORE, sys.executable, "bench/echo.py", str(port)]

    def listening(self, port: int) -> str:
        return f"Listening on TCP address 127.0.0.1:{port}"


class PinnedServer(ServerProcess):
    """``manage.py serve`` on the server's core, logging warnings only (a log line per
    connection would be part of the measure)."""

    def __init__(self, env: dict[str, str], core: list[str] = SERVER_CORE):
        super().__init__(env)
        self.core = core

    def command(self, port: int) -> list[str]:
        return [*self.core, *super().command(port)]

    def environment(self, port: int) -> dict[str, str]:
        return {**super().environment(port), "LOG_LEVEL": "WARNING"}

    def listening(self, port: int) -> str:
        # Daphne says so at INFO only; /health/ answering is proof enough here.
        return ""


def client(url: str | None = None, *, core: list[str] = CLIENT_CORE, **options) -> dict:
    """Run the load client to its end; its one JSON line of results."""
    if url is not None:
        options["url"] = url
    completed = subprocess.run(
        [*core, "node", str(CLIENT), json.dumps(options)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        sys.exit(f"load client failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def cpu_seconds(pids: list[int]) -> float:
    """CPU time used so far by these processes (user and system)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def settled(pid: int, *, limit: float = 120.0) -> float:
    """Wait until the server is idle again; the seconds it took.

    A run's chargers leave with work still queued (10,000 disconnections
    after the storm, the backlog of an overloaded run): measured in the next
    run, it would be counted against that run's figures.
    """
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = cpu_seconds([pid])
        time.sleep(0.5)
        if cpu_seconds([pid]) - before < 0.05:
            break
    return time.monotonic() - started


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (taskset execs the server itself)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def idle_memory(url: str, pid: int, chargers: int, prefix: str) -> tuple[float, dict]:
    """KiB of server memory per connected, idle charger."""
    before = rss_kib(pid)
    process = subprocess.Popen(
        [
            *CLIENT_CORE,
            "node",
            str(CLIENT),
            json.dumps(
                {"url": url, "mode": "idle", "chargers": chargers, "prefix": prefix, "hold": 600}
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        held = json.loads(process.stdout.readline())
        after = rss_kib(pid)
    finally:
        process.kill()
        process.wait()
    return (after - before) / max(held["ready"], 1), held


def csms_env(folder: Path, **settings: str) -> dict[str, str]:
    env = project_env(
        SQLITE_PATH=str(folder / "bench.sqlite3"),
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-" + "0123456789abcdef" * 3,
        # The storm registers 10,000 unknown chargers on their first
        # connection: without credentials, accepted at once, uncapped.
        CSMS_AUTO_REGISTER="1",
        CSMS_REQUIRE_CHARGER_AUTH="0",
        CSMS_AUTO_REGISTER_STATUS="Accepted",
        CSMS_AUTO_REGISTER_PER_MINUTE="0",
        **settings,
    )
    for command in (
        ["migrate", "--noinput"],
        [
            "shell",
            "-c",
            "from accounts.models import IdTag; IdTag.objects.get_or_create(idToken='BENCH-TAG')",
        ],
    ):
        result = manage(*command, env=env)
        if result.returncode:
            sys.exit(result.stderr)
    return env


def latency(run: dict) -> str:
    if run.get("p50Ms") is None:
        return "no call answered within the run"
    return f"p50 {run['p50Ms']:.1f} ms, p99 {run['p99Ms']:.1f} ms"


def row(name: str, figure: str, target: str) -> str:
    return f"| {name} | {figure} | {target} |"


def on_postgres(args, closed: dict) -> tuple[dict | None, int | None, dict | None, str]:
    """Closed loop on PostgreSQL, then two servers over Redis; why not, where they cannot run."""
    with postgres_cluster(SERVER_CORE) as url:
        if url is None:
            return None, None, None, "PostgreSQL not installed (apt-get install postgresql)"
        with tempfile.TemporaryDirectory() as tmp:
            env = csms_env(Path(tmp), DATABASE_URL=url)
            with PinnedServer(env) as server:
                base = server.url()
                # The database's processes include those forked for the
                # server's connections during the run (counted from zero).
                before = (cpu_seconds([base.pid]), cpu_seconds(postgres_pids()), time.monotonic())
                loaded = client(base.replace("http://", "ws://") + "/ocpp", prefix="PG", **closed)
                elapsed = time.monotonic() - before[2]
                loaded["cpu"] = (
                    (cpu_seconds([base.pid]) - before[0]) / elapsed,
                    (cpu_seconds(postgres_pids()) - before[1]) / elapsed,
                )
                connections = connections_to(url)
            print(f"  PostgreSQL: {loaded['callsPerSecond']} calls/s", flush=True)
            if shutil.which("redis-server") is None:
                return loaded, connections, None, "redis-server not installed"
            with redis_server(Path(tmp)) as redis:
                two = two_servers(args, {**env, "REDIS_URL": redis})
            print(f"  two servers: {two['callsPerSecond']} calls/s", flush=True)
            return loaded, connections, two, ""


def two_servers(args, env: dict[str, str]) -> dict:
    """Twice the chargers, spread over two server processes, one per core."""
    cores = [["taskset", "-c", "0"], ["taskset", "-c", "1"]] if SERVER_CORE else [[], []]
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(PinnedServer(env, core)) for core in cores]
        urls = [server.url().replace("http://", "ws://") + "/ocpp" for server in servers]
        # Unpinned: both cores serve.
        return client(
            core=[], urls=urls, chargers=2 * args.chargers, seconds=args.seconds, prefix="DUO"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chargers", type=int, default=1000, help="closed-loop chargers")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per run")
    parser.add_argument("--storm", type=int, default=10000, help="chargers connecting at once")
    parser.add_argument("--idle", type=int, default=10000, help="idle chargers for memory")
    args = parser.parse_args()
    if not (ROOT / "bench" / "load" / "node_modules").exists():
        sys.exit("The load client's packages are missing: run make bench (npm ci in bench/load).")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    cpu = f"server on core 0, client on core 1 of {os.cpu_count()}" if SERVER_CORE else "unpinned"
    print(f"Capacity benchmark ({cpu}); OCPP 1.6, MeterValues with four sampled values")

    closed = {"chargers": args.chargers, "seconds": args.seconds}
    with EchoProcess() as echo:
        echo_url = f"ws://127.0.0.1:{echo.ready()}/ocpp"
        baseline = client(echo_url, **closed)
    print(f"  echo server: {baseline['callsPerSecond']} frames/s", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        env = csms_env(Path(tmp))
        with PinnedServer(env) as server:
            base = server.url()
            url = base.replace("http://", "ws://") + "/ocpp"
            per_idle, held = idle_memory(url, base.pid, args.idle, "IDLE")
            print(f"  idle memory: {per_idle:.1f} KiB per charger", flush=True)
            settled(base.pid)
            storm = client(url, mode="storm", chargers=args.storm, prefix="STORM")
            print(f"  storm: {storm['ready']} ready in {storm['setupSeconds']:.1f} s", flush=True)
            settled(base.pid)
            loaded = client(url, prefix="LOAD", **closed)
            print(f"  closed loop: {loaded['callsPerSecond']} calls/s", flush=True)
            # The latency a process gives at a load it sustains, whatever the
            # target; then at half the target, which may overload it (last).
            settled(base.pid)
            within = client(url, mode="open", rate=half_sustained(loaded), prefix="LOAD", **closed)
            half = max(1, round(THROUGHPUT_TARGET * baseline["callsPerSecond"] / 2))
            settled(base.pid)
            opened = client(url, mode="open", rate=half, prefix="LOAD", **closed)
    postgres, connections, two, missing = on_postgres(args, closed)

    runs = [run for run in (loaded, opened, within, storm, held, postgres, two) if run]
    report(args, baseline, loaded, opened, within, storm, held, per_idle, half)
    report_scale_out(args, loaded, postgres, connections, two, missing)
    print(row("errors", str(sum(run.get("errors", 0) for run in runs)), "0"))
    for run in runs:
        for sample in run.get("errorSample", []):
            print(f"  error ({run['mode']}): {sample}")


def half_sustained(loaded: dict) -> int:
    """Half the calls/s of the closed loop: a load the process sustains."""
    return max(1, loaded["callsPerSecond"] // 2)


def report(args, baseline, loaded, opened, within, storm, held, per_idle, half) -> None:
    ratio = loaded["callsPerSecond"] / max(baseline["callsPerSecond"], 1)
    print()
    print("| | measured | target |")
    print("|---|---|---|")
    print(row("echo server, closed loop", f"{baseline['callsPerSecond']:,} frames/s", "baseline"))
    print(
        row(
            f"CSMS, {args.chargers:,} chargers, closed loop",
            f"{loaded['callsPerSecond']:,} MeterValues/s, {latency(loaded)}",
            "",
        )
    )
    print(row("ratio to the echo server", f"{ratio:.3f}", f">= {THROUGHPUT_TARGET}"))
    print(
        row(
            f"open loop at {half:,} calls/s (half the target)",
            f"{opened['callsPerSecond']:,} calls/s, {latency(opened)}",
            f"p50 <= {P50_TARGET_MS} ms, p99 <= {P99_TARGET_MS} ms",
        )
    )
    sustained = half_sustained(loaded)
    print(
        row(
            f"open loop at {sustained:,} calls/s (half what the CSMS sustains)",
            f"{within['callsPerSecond']:,} calls/s, {latency(within)}",
            "",
        )
    )
    print(
        row(
            f"storm: {args.storm:,} chargers connect, boot, report, start at once",
            f"{storm['ready']:,} ready in {storm['setupSeconds']:.1f} s",
            "10,000 within 20 s",
        )
    )
    print(
        row(
            f"memory per idle charger ({held['ready']:,} connected)",
            f"{per_idle:.1f} KiB",
            f"<= {IDLE_TARGET_KIB} KiB at 10,000",
        )
    )


def report_scale_out(args, loaded, postgres, connections, two, missing: str) -> None:
    if postgres is None:
        print(row("PostgreSQL, closed loop", missing, f">= {POSTGRES_TARGET:.0%} of SQLite"))
        return
    share = postgres["callsPerSecond"] / max(loaded["callsPerSecond"], 1)
    print(
        row(
            f"PostgreSQL, {args.chargers:,} chargers, closed loop",
            f"{postgres['callsPerSecond']:,} MeterValues/s ({share:.0%} of SQLite), "
            f"{latency(postgres)}; {connections} database connection(s) for the process; "
            f"CPU: server {postgres['cpu'][0]:.0%} of a core, PostgreSQL {postgres['cpu'][1]:.0%}",
            f">= {POSTGRES_TARGET:.0%} of SQLite, bounded connections",
        )
    )
    if two is None:
        print(row("two server processes (Redis, PostgreSQL)", missing, "twice one process"))
        return
    print(
        row(
            f"two server processes (Redis, PostgreSQL), {2 * args.chargers:,} chargers",
            f"{two['ready']:,} connected, {two['callsPerSecond']:,} MeterValues/s "
            f"({two['callsPerSecond'] / max(postgres['callsPerSecond'], 1):.2f} x one), "
            f"{latency(two)}",
            "twice one process",
        )
    )


if __name__ == "__main__":
    main()

"""A throwaway PostgreSQL cluster for the benchmark, from Debian's packages.

Made as .ci/run makes the one the test suite runs on: ``initdb`` into a
temporary folder (as the ``postgres`` user when we are root), a free port on
127.0.0.1, trust authentication, removed afterwards. Its processes run on
the core given, so the database shares the server's core as SQLite does.
"""

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.server import free_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[4]))
    return found[-1].parent if found else None


def _run(command: list[str]) -> None:
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
    subprocess.run(command, check=True, capture_output=True, text=True)


@contextlib.contextmanager
def postgres_cluster(core: list[str]) -> Iterator[str | None]:
    """Yield a database URL, or None when PostgreSQL is not installed."""
    binaries = postgres_bin()
    if binaries is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="csms-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    try:
        _run([str(binaries / "initdb"), "-D", str(data), "-U", "csms", "--auth=trust"])
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        start = [str(binaries / "pg_ctl"), "-D", str(data), "-o", options]
        _run([*core, *start, "-l", str(folder / "log"), "-w", "start"])
        _run([str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "csms", "csms"])
        yield f"postgres://csms@127.0.0.1:{port}/csms"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


def connections_to(url: str) -> int:
    """Client connections to the benchmark's database, other than this one."""
    import psycopg

    with psycopg.connect(url) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_type = 'client backend'"
        ).fetchone()
    return count - 1

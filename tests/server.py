"""Real server processes for end-to-end tests: databases, Daphne, simulated chargers.

Every server gets its own SQLite file, copied from one migrated template with
the demo data (``demo_database_template`` in tests/conftest.py builds it once
per run), and its own free port. Readiness is polled on ``/health/`` within a
generous deadline, so a busy machine makes a test slower, never red.
"""

import asyncio
import contextlib
import fcntl
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

from ocpp_gateway.simulator import Options, SimulatedCharger, Stats
from tests.waiting import DEADLINE, wait_until

ROOT = Path(__file__).resolve().parent.parent
# The demo operator's password in every template-made database.
DEMO_OPERATOR_PASSWORD = "e2e-operator-pw"
# A child process (migrate, a management command) that takes longer than this
# is hung, not slow.
COMMAND_TIMEOUT = 300
# What Daphne and redis-server print when the port was taken between choosing
# and binding it.
PORT_TAKEN = "Address already in use"
# How long a server waits on a charger (settings.py): generous, so a busy
# machine delays an answer instead of turning it into a timeout. A charger
# that answers returns at once.
PATIENT_SERVER = {
    "CSMS_COMMAND_TIMEOUT": "60",
    "CSMS_COMMAND_WAIT": "60",
    "CSMS_COMMAND_ACK_TIMEOUT": "30",
}


class ServerURL(str):
    """The server's base URL, also carrying the server's process id."""

    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def refused_port():
    """A port nothing answers on: held bound but not listening, so connecting is refused.

    A port merely closed again could be taken by another worker's server.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def project_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process: ours, minus settings a test must choose."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "SQLITE_PATH"}
    }
    # Child processes run the project's own settings, not the test run's, as
    # the local demo runs them (`make run`: DEBUG on). Tests of a production
    # server pass DEBUG="0" and a SECRET_KEY.
    env["DJANGO_SETTINGS_MODULE"] = "csms.settings"
    env["DEBUG"] = "1"
    # What a server stores (photos, admin uploads) goes where the test run's
    # own files go (tests/settings.py), not into the checkout's media/. The
    # benchmarks start servers too, without settings of their own.
    if settings.configured:
        env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env.update(PATIENT_SERVER)
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def manage_ok(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = manage(*args, env=env)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result


# -- databases ------------------------------------------------------------------


def demo_database_build(path: Path) -> None:
    """Migrate a new SQLite file and load the demo data, as ``make run`` does."""
    env = project_env(SQLITE_PATH=str(path), CSMS_ADMIN_PASSWORD=DEMO_OPERATOR_PASSWORD)
    manage_ok("migrate", "--noinput", env=env)
    manage_ok("load_demo", env=env)
    # Fold the write-ahead log into the file, so a plain file copy is complete.
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def demo_database_shared(root: Path) -> Path:
    """The template, built by whichever test worker comes first; the others wait for it."""
    template = root / "demo-template.sqlite3"
    with open(root / "demo-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            partial = root / "demo-template.partial.sqlite3"
            demo_database_build(partial)
            partial.rename(template)
    return template


def database_copy(template: Path, folder: Path, *, setup: str = "") -> Path:
    """A server's own database: a copy of the template, then ``setup`` run in Django's shell."""
    path = folder / "csms.sqlite3"
    shutil.copyfile(template, path)
    if setup:
        manage_ok("shell", "-c", setup, env=project_env(SQLITE_PATH=str(path)))
    return path


def sqlite_rows(path, sql: str, *params) -> list[tuple]:
    """Read what a server process stored, straight from its SQLite file."""
    with contextlib.closing(sqlite3.connect(path, timeout=DEADLINE)) as db:
        return db.execute(sql, params).fetchall()


def sqlite_row_wait(path, sql: str, *params) -> tuple:
    """The first row ``sql`` finds, once a server has stored it."""
    rows = wait_until(
        lambda: sqlite_rows(path, sql, *params), what=lambda: f"a row for {sql} {params}"
    )
    return rows[0]


# -- servers ----------------------------------------------------------------------


class ListeningProcess:
    """A child process serving on a free port, its output in a file for the failure message.

    Ready once its own output says it listens, so that a process of another
    test worker that took the port first is never mistaken for it; ours then
    fails to bind, and starts again on another port.
    """

    attempts = 5
    name = "the process"

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def environment(self, port: int) -> dict[str, str] | None:
        return None

    def listening(self, port: int) -> str:
        """What the process prints once it listens on ``port``."""
        raise NotImplementedError

    def answers(self, port: int) -> bool:
        """Whether it serves yet, once it listens; what more to ask is the subclass's."""
        return True

    def __enter__(self):
        self._start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop()

    def _start(self) -> None:
        self.port = free_port()
        # A file, not a pipe: a pipe nobody reads fills up and blocks the process
        # (Daphne writes a line per connection). Closed by _stop().
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(self.port),
            cwd=ROOT,
            env=self.environment(self.port),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def _stop(self) -> None:
        _stop(self.process)
        self.log.close()

    def _output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def _ready_or_exited(self) -> bool:
        if self.process.poll() is not None:
            return True
        return self.listening(self.port) in self._output() and self.answers(self.port)

    def ready(self) -> int:
        """Its port, once it serves there."""
        for _ in range(self.attempts):
            wait_until(self._ready_or_exited, interval=0.1, what=f"{self.name} serving")
            if self.process.poll() is None:
                return self.port
            output = self._output()
            if PORT_TAKEN not in output:
                raise RuntimeError(f"{self.name} exited early:\n{output}")
            self._stop()
            self._start()
        raise RuntimeError(f"no free port for {self.name} after {self.attempts} attempts")


class ServerProcess(ListeningProcess):
    """``manage.py serve`` (Daphne), ready when ``/health/`` answers."""

    name = "the server"

    def __init__(self, env: dict[str, str], ssl_context=None):
        self.env = env
        self.ssl_context = ssl_context
        self.scheme = "https" if ssl_context is not None else "http"

    def command(self, port: int) -> list[str]:
        return [sys.executable, "manage.py", "serve"]

    def environment(self, port: int) -> dict[str, str]:
        # INFO, for Daphne's "Listening on" line.
        return {
            **self.env,
            "CSMS_HOST": "127.0.0.1",
            "CSMS_PORT": str(port),
            "LOG_LEVEL": "INFO",
        }

    def listening(self, port: int) -> str:
        return f"Listening on TCP address 127.0.0.1:{port}"

    def answers(self, port: int) -> bool:
        url = f"{self.scheme}://127.0.0.1:{port}/health/"
        try:
            with urllib.request.urlopen(url, timeout=5, context=self.ssl_context) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def url(self) -> "ServerURL":
        port = self.ready()
        base_url = ServerURL(f"{self.scheme}://127.0.0.1:{port}")
        base_url.pid = self.process.pid
        return base_url


class RedisProcess(ListeningProcess):
    """A throwaway redis-server, saving nothing to disk."""

    name = "redis-server"

    def __init__(self, folder: Path):
        self.folder = folder

    def command(self, port: int) -> list[str]:
        return [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
        ]

    def listening(self, port: int) -> str:
        return "Ready to accept connections"


@contextlib.contextmanager
def running_server(env: dict[str, str], *, ssl_context=None):
    """Yield the base URL of ``manage.py serve`` (Daphne), as ``make run`` starts it."""
    with running_servers(env, ssl_context=ssl_context) as (base_url,):
        yield base_url


@contextlib.contextmanager
def running_servers(*envs: dict[str, str], ssl_context=None):
    """Yield the base URLs of one server per environment, started side by side."""
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(ServerProcess(env, ssl_context)) for env in envs]
        yield [server.url() for server in servers]


@contextlib.contextmanager
def redis_server(folder: Path):
    """Yield the URL of a throwaway redis-server on a free port."""
    with RedisProcess(folder) as redis:
        yield f"redis://127.0.0.1:{redis.ready()}/0"


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- clients ------------------------------------------------------------------------


def http_json(
    method: str, url: str, body: dict | None = None, *, headers: dict | None = None
) -> tuple[int, dict]:
    """A JSON request as an app sends it; the status and the decoded body, errors included."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            **(headers or {}),
        },
        method=method,
    )
    try:
        # Longer than a patient server waits on a charger (PATIENT_SERVER).
        with urllib.request.urlopen(request, timeout=2 * DEADLINE) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"{}")
        except ValueError:
            return error.code, {"raw": raw.decode(errors="replace")[:500]}


@contextlib.contextmanager
def simulated_charger(
    ws_url: str, version: str, chargepoint_id: str, *, meter_interval: float = 0.3
):
    """A remote-controlled simulated charger (``--remote``), running in a thread of its own.

    It starts a session when told to and stops it when told to; it runs until
    the ``with`` block ends.
    """
    seconds = 10 * DEADLINE
    options = Options(
        url=ws_url + "/ocpp",
        version=version,
        duration=seconds,
        meter_interval=meter_interval,
        remote=True,
    )
    stats = Stats()
    charger = SimulatedCharger(chargepoint_id, options, stats)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_until_complete,
        args=(charger.run(time.monotonic() + seconds),),
        daemon=True,
    )
    thread.start()
    try:
        yield charger, stats
    finally:
        loop.call_soon_threadsafe(charger.closing.set)
        thread.join(timeout=DEADLINE)
        loop.close()

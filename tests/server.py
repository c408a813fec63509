"""Start the real ASGI server (Daphne) on a free port for end-to-end tests."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerURL(str):
    """The server's base URL, also carrying the server's process id."""

    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def project_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process: ours, minus settings a test must choose."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "SQLITE_PATH"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "csms.settings"
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def running_server(env: dict[str, str], *, startup_timeout: float = 30.0, ssl_context=None):
    """Yield the base URL of ``manage.py serve`` (Daphne), as ``make run`` starts it."""
    port = free_port()
    env = {**env, "CSMS_HOST": "127.0.0.1", "CSMS_PORT": str(port)}
    scheme = "https" if ssl_context is not None else "http"
    base_url = ServerURL(f"{scheme}://127.0.0.1:{port}")
    # A file, not a pipe: a pipe nobody reads fills up and blocks the server
    # (Daphne writes a line per connection).
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base_url.pid = process.pid
        try:
            _wait_until_serving(process, log, base_url, startup_timeout, ssl_context)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(process, log, base_url, timeout, ssl_context) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited early:\n{log.read()}")
        try:
            urllib.request.urlopen(f"{base_url}/admin/login/", timeout=2, context=ssl_context)
            return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start in time") from None
            time.sleep(0.2)


def sqlite_rows(path, sql: str, *params) -> list[tuple]:
    """Read what a server process stored, straight from its SQLite file."""
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()

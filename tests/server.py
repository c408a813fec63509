"""Start the real ASGI server (Daphne) on a free port for end-to-end tests."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
def running_server(env: dict[str, str], *, startup_timeout: float = 30.0):
    """Yield the base URL of a Daphne process serving csms.asgi:application."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "csms.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited early:\n{process.stdout.read()}")
            try:
                urllib.request.urlopen(f"{base_url}/admin/login/", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start in time") from None
                time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sqlite_rows(path, sql: str, *params) -> list[tuple]:
    """Read what a server process stored, straight from its SQLite file."""
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()

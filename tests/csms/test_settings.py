"""Settings come from the environment; each case runs in a fresh interpreter."""

import contextlib
import json
import sqlite3
import subprocess
import sys

from tests.server import ROOT, manage, project_env

SHOW_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'db': s.DATABASES['default'].get('NAME'), "
    "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'layer_config': s.CHANNEL_LAYERS['default'].get('CONFIG'), "
    "'db_options': s.DATABASES['default'].get('OPTIONS', {}), 'writers': s.CSMS_DB_WRITERS, "
    "'hosts': s.ALLOWED_HOSTS, 'debug': s.DEBUG}))"
)


STRONG_KEY = "settings-test-key-" + "0123456789abcdef" * 3


def _settings(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=ROOT,
        env=project_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_it_refuses_a_production_start_without_a_secret_key():
    result = manage("check", env=project_env(DEBUG="0"))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_in_production_with_a_secret_key():
    result = manage(
        "check",
        env=project_env(DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="csms.example"),
    )
    assert result.returncode == 0, result.stderr


def test_a_malformed_debug_flag_is_refused_not_guessed():
    result = manage("check", env=project_env(DEBUG="maybe"))
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_the_defaults_are_sqlite_and_the_in_memory_layer():
    shown = _settings()
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["layer"] == "csms.channel_layers.SweptInMemoryChannelLayer"
    # As tests/server.py starts the demo: DEBUG on, asked for (the default is off,
    # tests/security/test_safe_defaults.py).
    assert shown["debug"] is True


def test_database_url_selects_postgresql():
    shown = _settings(DATABASE_URL="postgres://csms:pw@db.internal:5432/csms")
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["db"] == "csms"
    # Statements bound (and, repeated, prepared) by the server; a pool of four writers.
    assert shown["db_options"]["server_side_binding"] is True
    assert shown["writers"] == 4


def test_sqlite_has_one_writer_unless_told_otherwise():
    assert _settings()["writers"] == 1
    assert _settings(CSMS_DB_WRITERS="2")["writers"] == 2


def test_redis_url_selects_channels_redis():
    assert _settings(REDIS_URL="redis://127.0.0.1:6379/0")["layer"] == (
        "csms.channel_layers.PooledRedisChannelLayer"
    )


def test_a_burst_waits_for_a_redis_connection_as_long_as_a_handshake_may_take():
    config = _settings(REDIS_URL="redis://127.0.0.1:6379/0", CSMS_HANDSHAKE_TIMEOUT="45")
    (host,) = config["layer_config"]["hosts"]
    assert (host["max_connections"], host["timeout"]) == (100, 45.0)


def test_allowed_hosts_come_from_the_environment():
    assert _settings(ALLOWED_HOSTS="a.example, b.example")["hosts"] == ["a.example", "b.example"]


def test_sqlite_runs_in_wal_mode(demo_database_template):
    # The template is what `manage.py migrate` made of a new file, with the
    # default settings. WAL is a property of the file, so a plain connection sees it.
    with contextlib.closing(sqlite3.connect(demo_database_template)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

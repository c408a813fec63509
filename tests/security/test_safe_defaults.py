"""Findings 3 and 10: a deployment shows nothing to strangers and keeps its cookies on TLS.

The review got the debug page, with the settings and the database and Redis
passwords, from a server started without any DEBUG setting, by sending a
wrong Host header; a SECRET_KEY of "short" was accepted; and with a TLS
certificate configured, cookies went out without Secure and there was no HSTS.
"""

import http.client
import os
import subprocess
import sys

import pytest

from tests.certificates import tls_settings
from tests.server import ROOT, database_copy, manage, project_env, running_server
from tests.waiting import DEADLINE

STRONG_KEY = "safe-defaults-test-key-" + "0123456789abcdef" * 3
# Shown unmasked on a debug page (it lists every setting), never otherwise.
MARKER = "business-name-that-must-stay-inside"


def production_env(**extra: str) -> dict[str, str]:
    """What an operator sets: a key and the hosts. No DEBUG at all: the default applies."""
    env = project_env(**{"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "127.0.0.1", **extra})
    del env["DEBUG"]
    return env


def test_debug_is_off_unless_asked_for():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import "
         "settings; print(settings.DEBUG)"],
        cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "False"


def test_without_debug_a_missing_key_stops_the_server():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "short",
        "x" * 64,  # long, but one character
        "abcd" * 20,  # four different characters
        "django-insecure-" + "0123456789abcdef" * 4,  # Django's marker of a development key
    ],
)
def test_without_debug_a_weak_key_stops_the_server(key):
    result = manage("check", env=production_env(SECRET_KEY=key))
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_the_container_and_compose_file_run_without_debug():
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "ENV DEBUG=0" in dockerfile
    assert 'DEBUG: "0"' in compose
    assert "SECRET_KEY: ${SECRET_KEY:?" in compose


@pytest.mark.parametrize(
    "tls",
    [
        {"CSMS_TLS_CERT": "/etc/csms/cert.pem", "CSMS_TLS_KEY": "/etc/csms/key.pem"},
        {"CSMS_TLS_PROXY": "1"},
    ],
    ids=["tls-on-the-port", "tls-terminating-proxy"],
)
def test_the_deploy_check_is_clean_for_a_production_configuration(tls):
    env = production_env(ALLOWED_HOSTS="csms.example", **tls)
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# -- live servers ---------------------------------------------------------------------


def _get(base_url: str, path: str, *, headers: dict | None = None, context=None):
    host, port = base_url.split("://")[1].split(":")
    if context is not None:
        connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=DEADLINE)
    else:
        connection = http.client.HTTPConnection(host, int(port), timeout=DEADLINE)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode(errors="replace")
    finally:
        connection.close()


@pytest.fixture(scope="module")
def behind_tls_proxy(tmp_path_factory, demo_database_template):
    """A production server behind a proxy that terminates TLS."""
    folder = tmp_path_factory.mktemp("proxied")
    env = production_env(
        SQLITE_PATH=str(database_copy(demo_database_template, folder)),
        CSMS_TLS_PROXY="1",
        CSMS_OCPI_BUSINESS_NAME=MARKER,
    )
    with running_server(env) as base_url:
        yield base_url


@pytest.mark.e2e
def test_a_wrong_host_header_gets_a_plain_400_without_settings(behind_tls_proxy):
    status, _, body = _get(behind_tls_proxy, "/health/", headers={"Host": "evil.example"})
    assert status == 400
    assert MARKER not in body
    assert "Traceback" not in body and "DisallowedHost" not in body


@pytest.mark.e2e
def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent(behind_tls_proxy):
    status, headers, _ = _get(
        behind_tls_proxy, "/admin/login/", headers={"X-Forwarded-Proto": "https"}
    )
    assert status == 200
    (csrf_cookie,) = [c for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken=")]
    assert "Secure" in csrf_cookie
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.e2e
def test_behind_a_tls_proxy_plain_http_is_sent_to_https_but_the_health_check(behind_tls_proxy):
    status, headers, _ = _get(behind_tls_proxy, "/admin/login/")
    assert status == 301
    assert headers["Location"].startswith("https://127.0.0.1")
    assert _get(behind_tls_proxy, "/health/")[0] == 200


@pytest.mark.e2e
def test_with_a_certificate_cookies_are_secure_and_hsts_is_sent(tmp_path, demo_database_template):
    tls, context = tls_settings(tmp_path)
    env = production_env(SQLITE_PATH=str(database_copy(demo_database_template, tmp_path)), **tls)
    with running_server(env, ssl_context=context) as base_url:
        status, headers, _ = _get(base_url, "/admin/login/", context=context)
    assert status == 200
    (csrf_cookie,) = [c for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken=")]
    assert "Secure" in csrf_cookie
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_test_run_itself_has_debug_off():
    # The suite runs the production default; only the servers it starts, like
    # the local demo, ask for DEBUG.
    from django.conf import settings

    assert settings.DEBUG is False
    assert "DEBUG" not in os.environ or os.environ["DEBUG"] != "1"

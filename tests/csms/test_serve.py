"""``manage.py serve``: the Daphne command line it becomes."""

import pytest
from django.core.management import call_command


@pytest.fixture
def execv(monkeypatch):
    calls = []
    monkeypatch.setattr("os.execv", lambda path, argv: calls.append(argv))
    return calls


def test_a_charger_has_a_minute_to_finish_its_handshake_by_default(execv):
    call_command("serve")

    argv = execv[0]
    assert argv[argv.index("--websocket_connect_timeout") + 1] == "60"
    assert argv[-1] == "csms.asgi:application"


def test_the_handshake_timeout_is_a_setting(execv, settings):
    # Daphne's 5 s default dropped chargers reconnecting all at once.
    settings.CSMS_HANDSHAKE_TIMEOUT = 15.5

    call_command("serve")

    argv = execv[0]
    assert argv[argv.index("--websocket_connect_timeout") + 1] == "15.5"

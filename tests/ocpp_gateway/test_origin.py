"""Issue 16: a page in a browser may not open a charger's connection.

Browsers put an Origin header on every WebSocket handshake; chargers send
none. The end-to-end refusal is in test_e2e.py; here, the allow-list.
"""

import pytest

from ocpp_gateway.admission import origin_refused

HEADERS = [(b"host", b"csms.example"), (b"sec-websocket-protocol", b"ocpp1.6")]


def test_a_charger_without_an_origin_is_not_refused():
    assert origin_refused(HEADERS) is None


def test_a_foreign_origin_is_refused(settings):
    settings.CSMS_OCPP_ALLOWED_ORIGINS = []
    assert origin_refused([*HEADERS, (b"origin", b"https://evil.example")]) == (
        "https://evil.example"
    )


@pytest.mark.parametrize(
    "origin, refused",
    [(b"https://sim.example", False), (b"https://sim.example.evil", True), (b"null", True)],
)
def test_only_listed_origins_connect(settings, origin, refused):
    settings.CSMS_OCPP_ALLOWED_ORIGINS = ["https://sim.example"]
    assert (origin_refused([*HEADERS, (b"origin", origin)]) is not None) is refused

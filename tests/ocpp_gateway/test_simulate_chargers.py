"""``manage.py simulate_chargers``: arguments refused before any charger connects.

Runs against real servers are in tests/ocpp_gateway/test_e2e.py and
tests/billing/test_billing_e2e.py.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chargepoints.models import ChargePoint


@pytest.mark.parametrize(
    "args, message",
    [
        (["--count", "0"], "--count must be at least 1."),
        (["--ramp", "-1"], "--ramp must not be negative."),
        (["--sessions", "0"], "--sessions must be at least 1."),
        (["--sessions", "2", "--remote"], "--sessions and --remote exclude each other"),
        (["--location", "NOWHERE"], "No location NOWHERE."),
    ],
)
def test_a_bad_argument_is_refused_and_registers_nothing(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate_chargers", "--url", "ws://127.0.0.1:9/ocpp", *args)

    assert not ChargePoint.objects.exists()

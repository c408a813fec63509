"""Issue 6's "done when": a simulated session ends with a CDR priced by the connector's
tariff, served to a roaming partner at /ocpi/2.2.1/cdrs. (The spec's example tariffs
import through manage.py in tests/billing/test_import_tariffs.py.)

A real server (Daphne) and the simulator users run, for OCPP 1.6 and 2.0.1.
"""

import base64
import json
import urllib.request

import pytest

from tests.server import database_copy, manage, project_env, running_server, sqlite_rows
from tests.waiting import DEADLINE

pytestmark = pytest.mark.e2e

PARTNER_TOKEN = "e2e-partner-token-c"
# The simulated drivers are ours: the hub may see their CDRs because an
# operator allowed it (billing.ocpi.selectors).
PARTNER = f"""
from billing.models import OcpiPartner
from billing.ocpi.tokens import token_hash
OcpiPartner.objects.create(
    name="E2E hub", country_code="NL", party_id="HUB", status="REGISTERED",
    token_c_hash=token_hash("{PARTNER_TOKEN}"), sees_our_drivers=True,
)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    folder = tmp_path_factory.mktemp("billing-e2e")
    database = database_copy(demo_database_template, folder, setup=PARTNER)
    env = project_env(SQLITE_PATH=str(database))
    with running_server(env) as base_url:
        yield base_url, database, env


def ocpi_get(url: str) -> tuple[dict, dict]:
    token = base64.b64encode(PARTNER_TOKEN.encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=DEADLINE) as response:
        return json.load(response), dict(response.headers)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_a_simulated_session_ends_with_a_priced_cdr_served_over_ocpi(server, version):
    base, database, env = server
    prefix = "BILL" + version.replace(".", "")
    result = manage(
        "simulate_chargers",
        *("--url", f"{base.replace('http', 'ws')}/ocpp", "--count", "1", "--ocpp", version),
        *("--sessions", "1", "--duration", str(DEADLINE)),
        *("--meter-interval", "0.3", "--prefix", prefix),
        *("--location", "DEMO-LOC-1", "--tariff", "DEMO-AC-STANDARD", "--json"),
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    rows = sqlite_rows(
        database,
        "SELECT c.id, c.total_energy, c.total_cost, c.currency, t.wh_meter_start, t.wh_meter_stop, "
        "p.total_cost FROM billing_cdr c JOIN chargepoints_transaction t "
        "ON c.transaction_id = t.transaction_id JOIN billing_transactionpricing p "
        "ON p.transaction_id = t.transaction_id WHERE t.chargepoint_id = ?",
        f"{prefix}-0001",
    )
    assert rows, "no CDR for the simulated sessions"
    for _cdr_id, energy, total_cost, currency, meter_start, meter_stop, tx_cost in rows:
        assert energy == pytest.approx((meter_stop - meter_start) / 1000, abs=1e-6)
        # DEMO-AC-STANDARD: 0.35 EUR/kWh, 19 % VAT, per Wh.
        cost = json.loads(total_cost)
        assert currency == "EUR"
        assert cost["excl_vat"] == pytest.approx(round(energy * 1000) * 0.35 / 1000, abs=0.0002)
        assert cost["incl_vat"] == pytest.approx(cost["excl_vat"] * 1.19, abs=0.0002)
        assert float(tx_cost) == pytest.approx(cost["incl_vat"], abs=0.0001)

    body, headers = ocpi_get(f"{base}/ocpi/2.2.1/cdrs?limit=100")
    assert body["status_code"] == 1000
    served = {cdr["id"]: cdr for cdr in body["data"]}
    for cdr_id, energy, total_cost, *_ in rows:
        cdr = served[cdr_id]
        assert cdr["total_energy"] == energy
        assert cdr["total_cost"] == json.loads(total_cost)
        assert cdr["tariffs"][0]["id"] == "DEMO-AC-STANDARD"
        assert cdr["cdr_location"]["evse_uid"] == f"{prefix}-0001*1"
    assert int(headers["X-Total-Count"]) >= len(rows)

"""End to end: an SDK generated from the schema runs a driver's journey against a real server.

The schema promises enough to generate a client (issue 18, finding 10):
openapi-python-client turns /api/v1/schema/ into a Python package, without
a warning about anything it could not model, and a driver app written with
nothing but that package registers, logs in, adds an id tag, finds a nearby
charger, looks its EVSE up by the id printed on it (the QR code), asks the
price with an estimate, starts charging on a simulated charger, follows the
session until it charges, stops it and reads the receipt. The answers are
parsed by the generated models, so an answer that differs from its schema
fails here as it would in an app.
"""

import importlib
import importlib.util
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.server import database_copy, project_env, running_server, simulated_charger
from tests.waiting import DEADLINE, wait_until

pytestmark = pytest.mark.e2e

PACKAGE = "csms_client"
# literal_enums: enum values as typing.Literal. As Enum classes, the ~600
# time zones give two members the same name ("GMT0" from GMT-0 and GMT+0).
# No post hooks: formatting the generated code is not what is tested.
GENERATOR_CONFIG = {"literal_enums": True, "post_hooks": []}
CHARGER = "CP-DEMO-16"
EVSE_ID = "DE*CSM*ECPDEMO16*1"  # printed on connector 1 (chargepoints/evse_ids.py)
DEMO_LOCATION = "DEMO-LOC-1"
NEARBY = {"latitude": 52.5330, "longitude": 13.3870, "radius": 5}
PHONE = "+66812345677"
PASSWORD = "sdk driver password 42"
TAG = "SDK-APP-0001"


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database = database_copy(demo_database_template, tmp_path_factory.mktemp("sdk"))
    env = project_env(
        SQLITE_PATH=str(database), CSMS_THROTTLE_LOGIN="1000/min", CSMS_THROTTLE_ANON="1000/min"
    )
    with running_server(env) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def sdk(server, tmp_path_factory):
    """The package openapi-python-client generates from the running server's schema."""
    work = tmp_path_factory.mktemp("sdk-src")
    with urllib.request.urlopen(f"{server}/api/v1/schema/?format=json", timeout=DEADLINE) as got:
        schema = json.load(got)
    (work / "schema.json").write_text(json.dumps(schema))
    (work / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    generated = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(work / "schema.json"),
            "--config",
            str(work / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(work / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    # The generator skips what it cannot model and says so; nothing may be skipped.
    assert "Warning" not in output, output
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def call(module, *args, **kwargs):
    """The parsed answer of a generated operation, with its status."""
    response = module.sync_detailed(*args, **kwargs)
    return response.status_code, response.parsed


def test_a_generated_client_runs_the_driver_journey(server, sdk):
    models = importlib.import_module(f"{PACKAGE}.models")
    anonymous = sdk.Client(base_url=server, raise_on_unexpected_status=True)
    from csms_client.api.auth import auth_login, auth_register
    from csms_client.api.cdrs import cdr_list
    from csms_client.api.charge_points import charge_point_connector_price_get
    from csms_client.api.evses import evse_get
    from csms_client.api.id_tags import id_tag_create
    from csms_client.api.locations import location_list
    from csms_client.api.sessions import (
        session_get,
        session_receipt_get,
        session_start,
        session_stop,
    )

    # 1. Register, then log in on this device.
    status, registered = call(
        auth_register,
        client=anonymous,
        body=models.RegisterRequest(phone_number=PHONE, password=PASSWORD),
    )
    assert status == 201, registered
    assert registered.user.phone_number == PHONE
    status, login = call(
        auth_login,
        client=anonymous,
        body=models.LoginRequest(password=PASSWORD, phone_number=PHONE),
    )
    assert status == 200, login
    client = sdk.AuthenticatedClient(
        base_url=server, token=login.token, prefix="Token", raise_on_unexpected_status=True
    )

    # 2. An id tag.
    status, tag = call(id_tag_create, client=client, body=models.IdTagRequest(id_token=TAG))
    assert status == 201, tag
    assert tag.id_token == TAG

    with simulated_charger(server.replace("http://", "ws://"), "1.6", CHARGER):
        # 3. The charger nearby, online, connector 1 free.
        def available():
            status, page = call(location_list, client=client, **NEARBY)
            assert status == 200, page
            location = next(x for x in page.results if x.id == DEMO_LOCATION)
            chargepoint = next(x for x in location.chargepoints if x.chargepoint_id == CHARGER)
            connector = next(x for x in chargepoint.connectors if x.connector_id == 1)
            return chargepoint.connected and connector.status == "AVAILABLE"

        wait_until(available, interval=0.2, what=f"{CHARGER} online and available")

        # 4. The QR code on the charger: its printed EVSE id.
        status, evse = call(evse_get, EVSE_ID, client=client)
        assert status == 200, evse
        assert (evse.evse_id, evse.chargepoint.chargepoint_id) == (EVSE_ID, CHARGER)
        assert evse.status == "AVAILABLE"
        [connector] = evse.connectors
        assert connector.price_url == f"/api/v1/charge-points/{CHARGER}/connectors/1/price/"

        # 5. What 20 kWh would cost there now (the demo tariff: 0.35 EUR/kWh + 19 % VAT).
        status, quote = call(
            charge_point_connector_price_get, CHARGER, "1", client=client, energy_kwh=20
        )
        assert status == 200, quote
        assert not quote.free
        assert quote.text == "0.4165 EUR/kWh"
        assert quote.estimate.energy_kwh == "20.000"
        assert quote.estimate.cost.incl_vat.amount == "8.33"
        assert quote.estimate.cost.incl_vat.currency == "EUR"

        # 6. Start: answered at once with the new session. The simulated charger
        # may already have started it by then (it answers within milliseconds);
        # tests/chargepoints/test_start_at_once_e2e.py shows STARTING from one that never does.
        status, session = call(
            session_start,
            client=client,
            body=models.SessionStartRequest(chargepoint_id=CHARGER, connector_id=1, id_tag=TAG),
        )
        assert status == 202, session
        assert session.status in {"STARTING", "CHARGING"}
        session_id = session.session_id

        # 7. Follow it until it charges and the meter has counted some energy.
        def charging():
            status, followed = call(session_get, session_id, client=client)
            assert status == 200, followed
            metered = followed.transaction and followed.transaction.energy_kwh > 0
            return followed if followed.status == "CHARGING" and metered else None

        followed = wait_until(charging, interval=0.2, what="the session charging")
        assert followed.transaction.chargepoint_id == CHARGER

        # 8. Stop.
        status, stopped = call(session_stop, session_id, client=client)
        assert status == 202, stopped
        assert stopped.outcome == "REMOTE_STOP"

        def completed():
            _, followed = call(session_get, session_id, client=client)
            return followed if followed.status == "COMPLETED" else None

        done = wait_until(completed, interval=0.2, what="the session completed")
        assert done.transaction.transaction_id == followed.transaction.transaction_id
        assert done.end_time is not None

    # 9. The receipt: 409 receipt_not_ready until the CDR is made, then its totals.
    def receipt_ready():
        status, body = call(session_receipt_get, session_id, client=client)
        if status == 409:
            assert body.code == "receipt_not_ready", body
            return None
        assert status == 200, body
        return body

    receipt = wait_until(receipt_ready, interval=0.2, what="the receipt")
    assert receipt.session_id == session_id
    assert receipt.transaction_id == done.transaction.transaction_id
    status, cdrs = call(cdr_list, client=client)
    assert status == 200, cdrs
    [cdr] = [cdr for cdr in cdrs.results if cdr.session_id == session_id]
    assert receipt.id == cdr.id
    assert receipt.cost.to_dict() == cdr.cost.to_dict()
    assert receipt.cost.incl_vat.currency == "EUR"
    assert receipt.total_energy_kwh == cdr.total_energy_kwh > 0
    assert float(receipt.cost.incl_vat.amount) > 0

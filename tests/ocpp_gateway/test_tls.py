"""TLS on the CSMS port (seed 004: the BMW wallbox connects over TLS; security profile 2)."""

import asyncio
import urllib.request

import pytest
import websockets
from django.core.management import CommandError, call_command
from django.test import override_settings
from ocpp.v201 import ChargePoint as Client201
from ocpp.v201 import call as call201

from tests.certificates import tls_settings
from tests.server import database_copy, project_env, running_server
from tests.waiting import DEADLINE

BMW = "DE*BMW*ETEST1234567890AB"


@pytest.mark.e2e
def test_the_admin_and_chargers_are_served_over_tls(tmp_path, demo_database_template):
    tls, context = tls_settings(tmp_path)
    env = project_env(SQLITE_PATH=str(database_copy(demo_database_template, tmp_path)), **tls)

    with running_server(env, ssl_context=context) as base_url:
        assert base_url.startswith("https://")
        with urllib.request.urlopen(
            f"{base_url}/admin/login/", context=context, timeout=DEADLINE
        ) as response:
            assert response.status == 200

        async def boot():
            url = base_url.replace("https://", "wss://") + "/ocpp/DE%2ABMW%2AETEST1234567890AB"
            async with websockets.connect(
                url, subprotocols=["ocpp2.0.1"], ssl=context, open_timeout=DEADLINE
            ) as ws:
                client = Client201(BMW, ws, response_timeout=DEADLINE)
                reader = asyncio.create_task(client.start())
                try:
                    return await client.call(
                        call201.BootNotification(
                            charging_station={"vendor_name": "BMW", "model": "EIAW-E22KTSE6B04"},
                            reason="PowerUp",
                        )
                    )
                finally:
                    reader.cancel()

        assert asyncio.run(boot()).status == "Accepted"


@override_settings(CSMS_TLS_CERT="/nowhere/cert.pem", CSMS_TLS_KEY="")
def test_serving_refuses_half_a_tls_configuration():
    with pytest.raises(CommandError, match="both CSMS_TLS_CERT and CSMS_TLS_KEY"):
        call_command("serve")


@override_settings(CSMS_TLS_CERT="/nowhere/cert.pem", CSMS_TLS_KEY="/nowhere/key.pem")
def test_serving_refuses_missing_tls_files():
    with pytest.raises(CommandError, match="TLS file not found"):
        call_command("serve")


@override_settings(CSMS_TLS_CERT="", CSMS_TLS_KEY="", CSMS_TLS_CLIENT_CA="/nowhere/ca.pem")
def test_serving_refuses_client_certificates_without_tls():
    with pytest.raises(CommandError, match="CSMS_TLS_CLIENT_CA needs CSMS_TLS_CERT"):
        call_command("serve")


def test_serving_refuses_a_missing_client_ca_file(tmp_path, settings):
    tls, _ = tls_settings(tmp_path)
    settings.CSMS_TLS_CERT, settings.CSMS_TLS_KEY = tls["CSMS_TLS_CERT"], tls["CSMS_TLS_KEY"]
    settings.CSMS_TLS_CLIENT_CA = str(tmp_path / "missing-ca.pem")
    with pytest.raises(CommandError, match=r"TLS file not found: .*missing-ca\.pem"):
        call_command("serve")

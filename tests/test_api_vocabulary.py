"""One vocabulary across REST, sockets and OCPI (issue 18, finding 6).

Field names are snake_case; enum values are UPPER_SNAKE_CASE unless they
quote an outside standard (OCPP's own spellings, IANA time zones...), listed
below with the reason; moments are RFC 3339 in UTC with "Z" whatever
TIME_ZONE is.
"""

import asyncio
import datetime
import re
import zoneinfo

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from accounts.models import IdTag
from chargepoints.enums import CommandName
from chargepoints.models import ChargePoint, Connector, Location, Transaction
from chargepoints.services.live import transaction_live
from csms.api.fields import rfc3339
from csms.asgi import application
from tests.billing.ocpi.conftest import TOKEN_C, Partner, registered_partner
from tests.tokens import api_as, token_for
from tests.waiting import DEADLINE

SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*")

# Enums that are not the API's own words, and why their spelling stays.
QUOTED = {
    # OCPP's own spellings: what the charger reported or what it is sent.
    "AvailabilityEnum": "OCPP AvailabilityType",
    "ChargePointErrorCodeEnum": "OCPP 1.6 ChargePointErrorCode",
    "ChargePointStatusEnum": "OCPP ChargePointStatus / ConnectorStatusEnumType",
    "ChargingProfileKindEnum": "OCPP ChargingProfileKindType",
    "ChargingProfilePurposeEnum": "OCPP ChargingProfilePurposeType",
    "ComponentCriteriaEnum": "OCPP 2.0.1 ComponentCriterionEnumType",
    "IdTagStatusEnum": "OCPP AuthorizationStatus",
    "IdTokenTypeEnum": "OCPP 2.0.1 IdTokenEnumType",
    "LocalListUpdateTypeEnum": "OCPP UpdateType",
    "LogTypeEnum": "OCPP 2.0.1 LogEnumType",
    "MeasurandEnum": "OCPP Measurand",
    "RecurrencyKindEnum": "OCPP RecurrencyKindType",
    "RegistrationStatusEnum": "OCPP RegistrationStatus",
    "ReportBaseEnum": "OCPP 2.0.1 ReportBaseEnumType",
    "ResetTypeEnum": "the command catalogue's reset types (manage.py ocpp_command)",
    "OcppVersionEnum": "the OCPP-J WebSocket subprotocol names",
    "ConnectorTypeEnum": "OCPI 2.2.1 ConnectorType (IEC_60309_2_single_16...)",
    # Not enums of ours at all.
    "TimeZoneEnum": "IANA time zone names",
    "CodeEnum": "error codes: stable snake_case (contract section 1)",
    "UnitEnum": "units (kWh, h)",
    "DerivedEnum": "names of the request's own fields",
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def properties(node, path=""):
    if isinstance(node, dict):
        for name in node.get("properties") or {}:
            yield path, name
        for key, value in node.items():
            yield from properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for item in node:
            yield from properties(item, path)


def test_every_field_name_is_snake_case(schema):
    wrong = [f"{path}: {name}" for path, name in properties(schema) if not SNAKE.fullmatch(name)]

    assert wrong == []


def test_every_enum_is_upper_snake_case_or_quotes_a_standard(schema):
    wrong = {}
    for name, component in schema["components"]["schemas"].items():
        values = [v for v in component.get("enum", []) if v not in ("", None)]
        if name not in QUOTED and not all(UPPER_SNAKE.fullmatch(str(v)) for v in values):
            wrong[name] = values
    assert wrong == {}
    # The public status and the command records' statuses are the API's own.
    components = schema["components"]["schemas"]
    assert "CHARGING" in components["PublicStatusEnum"]["enum"]
    assert "TIMED_OUT" in components["CommandStatusEnum"]["enum"]


def test_query_parameter_enums_follow_the_same_rule(schema):
    quoted = [
        set(component["enum"]) - {"", None}
        for name, component in schema["components"]["schemas"].items()
        if name in QUOTED and "enum" in component
    ]
    # The command filter takes a command as POST's path names it.
    quoted.append(set(CommandName.values))
    wrong = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                values = set(parameter.get("schema", {}).get("enum", [])) - {"", None}
                upper = all(UPPER_SNAKE.fullmatch(str(v)) for v in values)
                if not upper and not any(values <= allowed for allowed in quoted):
                    wrong.append((path, parameter["name"], sorted(values)))
    assert wrong == []


def test_rfc3339_is_utc_with_z_and_a_fraction_only_when_there_is_one():
    bangkok = datetime.datetime(2026, 12, 3, 2, 51, tzinfo=zoneinfo.ZoneInfo("Asia/Bangkok"))

    assert rfc3339(bangkok) == "2026-12-02T19:51:00Z"
    assert rfc3339(bangkok.replace(microsecond=250000)) == "2026-12-02T19:51:00.250000Z"
    assert rfc3339(bangkok.replace(microsecond=250000), timespec="seconds") == (
        "2026-12-02T19:51:00Z"
    )
    assert rfc3339(None) is None


MOMENT = datetime.datetime(2026, 12, 2, 19, 51, tzinfo=datetime.UTC)
SHOWN = "2026-12-02T19:51:00Z"


@pytest.mark.django_db(transaction=True)
@override_settings(TIME_ZONE="Asia/Bangkok")
def test_rest_the_socket_and_ocpi_show_one_instant_with_z_in_bangkok(location, driver):
    chargepoint = ChargePoint.objects.create(chargepoint_id="CP-BKK", location=location)
    connector = Connector.objects.create(chargepoint=chargepoint, connectorid=1)
    tag = IdTag.objects.create(idToken="BKK-TAG", user=driver)
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        start_transaction_timestamp=MOMENT,
        wh_meter_start=0,
        wh_meter_last=100,
    )
    Location.objects.filter(pk=location.pk).update(last_updated=MOMENT)
    ChargePoint.objects.filter(pk=chargepoint.pk).update(last_updated=MOMENT)
    Connector.objects.filter(pk=connector.pk).update(last_updated=MOMENT)
    registered_partner("Roaming eMSP", "NL", "EMS", ("their-token-b", TOKEN_C), "emsp.example")
    api = api_as(driver)

    rest_tx = api.get(f"/api/v1/transactions/{tx.pk}/").json()
    rest_location = api.get(f"/api/v1/locations/{location.pk}/").json()
    [ocpi_location] = Partner(TOKEN_C).get("/ocpi/2.2.1/locations").json()["data"]

    key = token_for(driver)

    async def first_message():
        socket = WebsocketCommunicator(application, f"/ws/v1/transactions/{tx.pk}/?token={key}")
        connected, _ = await socket.connect(timeout=DEADLINE)
        assert connected
        message = await socket.receive_json_from(timeout=DEADLINE)
        await socket.disconnect()
        return message

    snapshot = asyncio.run(first_message())

    assert rest_tx["started_at"] == SHOWN
    assert snapshot["started_at"] == SHOWN
    assert rest_location["last_updated"] == SHOWN
    assert ocpi_location["last_updated"] == SHOWN
    assert ocpi_location["evses"][0]["last_updated"] == SHOWN


@pytest.mark.django_db
@override_settings(TIME_ZONE="Asia/Bangkok")
def test_socket_and_rest_name_the_readings_alike(chargepoint, connector, driver):
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        start_transaction_timestamp=MOMENT,
        wh_meter_start=0,
        wh_meter_last=100,
        last_power_w=7200.0,
        last_current_a=10.0,
        last_voltage_v=230.0,
        last_soc=55.0,
    )
    rest = api_as(driver).get(f"/api/v1/transactions/{tx.pk}/").json()
    live = transaction_live(tx)

    for name in ("power_w", "current_a", "voltage_v", "soc_percent", "energy_kwh"):
        assert rest[name] == live[name], name
    assert "last_power_w" not in rest

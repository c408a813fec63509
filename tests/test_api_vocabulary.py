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
from pathlib import Path

import pytest
import yaml
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from accounts.models import IdTag
from chargepoints.enums import CommandName, CommandSource, CommandStatus
from chargepoints.models import ChargePoint, Command, Connector, Location, Transaction
from chargepoints.services.live import transaction_live
from csms.api.fields import rfc3339, upper_snake
from csms.asgi import application
from tests.billing.ocpi.conftest import TOKEN_C, Partner, registered_partner
from tests.rights import OPERATORS, user_in_group
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
    "IdTokenTypeEnum": "OCPP 2.0.1 IdTokenEnumType",
    "LocalListUpdateTypeEnum": "OCPP UpdateType",
    "LogTypeEnum": "OCPP 2.0.1 LogEnumType",
    "MeasurandEnum": "OCPP Measurand",
    "RecurrencyKindEnum": "OCPP RecurrencyKindType",
    "RegistrationStatusEnum": "OCPP RegistrationStatus",
    "ReportBaseEnum": "OCPP 2.0.1 ReportBaseEnumType",
    "OcppVersionEnum": "the OCPP-J WebSocket subprotocol names",
    "ConnectorTypeEnum": "OCPI 2.2.1 ConnectorType (IEC_60309_2_single_16...)",
    # Not enums of ours at all.
    "TimeZoneEnum": "IANA time zone names",
    "RefusalCodeEnum": "error codes: stable snake_case (contract section 1)",
    "PriceUnitEnum": "units (kWh, h)",
    "EstimatedQuantityEnum": "names of the request's own fields",
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
        values = [v for v in component.get("enum", []) if v is not None]
        if name not in QUOTED and not all(UPPER_SNAKE.fullmatch(str(v)) for v in values):
            wrong[name] = values
    assert wrong == {}
    # The public status and the command records' statuses are the API's own.
    components = schema["components"]["schemas"]
    assert "CHARGING" in components["PublicStatusEnum"]["enum"]
    assert "TIMED_OUT" in components["CommandStatusEnum"]["enum"]
    # OCPP's Accepted and the catalogue's hard are spelled as the API's enums.
    assert components["IdTagStatusEnum"]["enum"] == ["ACCEPTED", "BLOCKED", "EXPIRED"]
    assert components["ResetTypeEnum"]["enum"] == ["HARD", "SOFT"]


def test_query_parameter_enums_follow_the_same_rule(schema):
    quoted = [
        set(component["enum"]) - {None}
        for name, component in schema["components"]["schemas"].items()
        if name in QUOTED and "enum" in component
    ]
    # The command filter takes a command as POST's path names it.
    quoted.append(set(CommandName.values))
    wrong = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                values = set(parameter.get("schema", {}).get("enum", [])) - {None}
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


ASYNCAPI = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.yaml"


def schema_nodes(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from schema_nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for n, item in enumerate(node):
            yield from schema_nodes(item, f"{path}[{n}]")


def test_a_charge_point_is_named_by_chargepoint_id_everywhere(schema):
    # An id is chargepoint_id; only a nested object (the QR lookup's charge
    # point, as location is) may be called chargepoint.
    wrong = [
        f"{path}: {name}"
        for path, node in schema_nodes(schema)
        for name, field in (node.get("properties") or {}).items()
        if name == "chargepoint" and "$ref" not in field and "allOf" not in field
    ]
    parameters = [
        (path, parameter["name"])
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "chargepoint"
    ]

    assert wrong == []
    assert parameters == []
    components = schema["components"]["schemas"]
    for name in ("Transaction", "Session", "Reservation", "Command", "SessionStartRequest"):
        assert "chargepoint_id" in components[name]["properties"], name
    filters = {
        path: {parameter["name"] for parameter in operations["get"].get("parameters", [])}
        for path, operations in schema["paths"].items()
        if path.endswith(("/transactions/", "/sessions/", "/reservations/", "/commands/"))
        and "get" in operations
    }
    assert all("chargepoint_id" in names for names in filters.values()), filters


def test_a_transaction_is_keyed_by_transaction_id_as_on_the_socket(schema):
    components = schema["components"]["schemas"]

    assert "id" not in components["Transaction"]["properties"]
    assert "transaction_id" in components["Transaction"]["properties"]
    # What refers to a transaction by its id says so.
    assert "transaction_id" in components["Notification"]["properties"]
    assert "transaction_id" in components["Command"]["properties"]
    assert "transaction" not in components["Notification"]["properties"]
    assert "transaction" not in components["Command"]["properties"]


def test_no_enum_offers_a_blank_string(schema):
    blank = [path for path, node in schema_nodes(schema) if "" in (node.get("enum") or [])]

    assert blank == []


@pytest.mark.django_db
def test_the_socket_names_what_it_shares_with_the_rest_transaction_alike(
    schema, chargepoint, connector
):
    rest = set(schema["components"]["schemas"]["Transaction"]["properties"])
    documented = yaml.safe_load(ASYNCAPI.read_text())["components"]["schemas"]
    socket = set(documented["TransactionState"]["properties"])
    tx = Transaction.objects.create(
        chargepoint=chargepoint, connector=connector, start_transaction_timestamp=MOMENT
    )
    sent = set(transaction_live(tx))

    # The socket's own: the message type (documented beside the state), and
    # when the meter was last read; the rest is named as REST names it.
    assert socket | {"type"} == sent
    assert socket - rest == {"meter_timestamp"}


def test_upper_snake_spells_database_and_ocpp_values_as_the_api_does():
    assert upper_snake("timed_out") == "TIMED_OUT"
    assert upper_snake("Accepted") == "ACCEPTED"
    assert upper_snake("ConcurrentTx") == "CONCURRENT_TX"
    assert upper_snake("CHARGER_OFFLINE") == "CHARGER_OFFLINE"


@pytest.mark.django_db
def test_rest_and_socket_show_one_transaction_with_the_same_names_and_values(
    chargepoint, connector, driver
):
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        start_transaction_timestamp=MOMENT,
        wh_meter_start=0,
        wh_meter_last=100,
    )
    rest = api_as(driver).get(f"/api/v1/transactions/{tx.pk}/").json()
    live = transaction_live(tx)

    assert "id" not in rest and "chargepoint" not in rest
    assert rest["transaction_id"] == live["transaction_id"] == tx.pk
    assert rest["chargepoint_id"] == chargepoint.pk
    # Not reported yet: null on both, never "".
    assert rest["charging_state"] is live["charging_state"] is None
    assert rest["reason_stopped"] is live["reason_stopped"] is None
    for name in set(live) & set(rest):
        assert rest[name] == live[name], name

    Transaction.objects.filter(pk=tx.pk).update(charging_state="SuspendedEV")
    tx.refresh_from_db()
    # Known: OCPP's own spelling, quoted.
    assert (
        api_as(driver).get(f"/api/v1/transactions/{tx.pk}/").json()["charging_state"]
        == (transaction_live(tx)["charging_state"])
        == "SuspendedEV"
    )


@pytest.mark.django_db
def test_an_id_tag_shows_its_status_in_upper_case_and_no_type_as_null(driver):
    IdTag.objects.create(idToken="OLD-16", user=driver)
    IdTag.objects.create(idToken="GONE", user=driver, revoked=True)
    api = api_as(driver)

    shown = {tag["id_token"]: tag for tag in api.get("/api/v1/id-tags/").json()["results"]}
    created = api.post("/api/v1/id-tags/", {"id_token": "NEW", "token_type": None}, format="json")

    assert (shown["OLD-16"]["status"], shown["OLD-16"]["token_type"]) == ("ACCEPTED", None)
    assert shown["GONE"]["status"] == "BLOCKED"
    assert created.status_code == 201, created.json()
    assert created.json()["token_type"] is None
    assert IdTag.objects.get(idToken="NEW").token_type == ""


@pytest.mark.django_db
def test_sessions_and_reservations_take_chargepoint_id_and_name_it_in_errors(driver):
    api = api_as(driver)

    started = api.post("/api/v1/sessions/", {"chargepoint_id": "NOWHERE"}, format="json")
    old_name = api.post("/api/v1/sessions/", {"chargepoint": "NOWHERE"}, format="json")
    reserved = api.post(
        "/api/v1/reservations/",
        {"chargepoint_id": "NOWHERE", "expiry_date": "2099-01-01T00:00:00Z"},
        format="json",
    )

    for response in (started, old_name, reserved):
        assert response.status_code == 400
        assert [error["field"] for error in response.json()["errors"]] == ["chargepoint_id"]


@pytest.mark.django_db
def test_lists_filter_by_chargepoint_id(chargepoint, connector, driver):
    other = ChargePoint.objects.create(chargepoint_id="CP-ELSEWHERE")
    mine = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        start_transaction_timestamp=MOMENT,
    )
    Transaction.objects.create(chargepoint=other, user=driver, start_transaction_timestamp=MOMENT)
    api = api_as(driver)

    body = api.get("/api/v1/transactions/", {"chargepoint_id": chargepoint.pk}).json()

    assert [row["transaction_id"] for row in body["results"]] == [mine.pk]
    # The old name is an unknown query parameter now, not a silent "everything".
    assert api.get("/api/v1/transactions/", {"chargepoint": chargepoint.pk}).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["HARD", "hard", "Hard"])
def test_a_reset_is_documented_hard_soft_in_upper_case_and_taken_in_any_case(chargepoint, typed):
    operator = user_in_group(OPERATORS, username="operator", password="operator password 42")
    api = api_as(operator)

    response = api.post(
        f"/api/v1/charge-points/{chargepoint.pk}/commands/",
        {"command": "RESET", "type": typed},
        format="json",
    )

    command = Command.objects.get()
    assert response.json()["params"] == {"type": "HARD"}, response.json()
    # What the catalogue keeps, and so what a charger is sent, is unchanged.
    assert command.params == {"type": "hard"}
    shown = api.get(f"/api/v1/commands/{command.pk}/").json()
    assert shown["params"] == {"type": "HARD"}
    assert (shown["chargepoint_id"], shown["transaction_id"]) == (chargepoint.pk, None)


@pytest.mark.django_db
def test_a_command_not_sent_yet_shows_null_for_what_it_does_not_know(chargepoint):
    operator = user_in_group(OPERATORS, username="operator", password="operator password 42")
    command = Command.objects.create(
        chargepoint=chargepoint,
        name=CommandName.RESET,
        params={"type": "soft"},
        source=CommandSource.API,
        status=CommandStatus.PENDING,
    )

    shown = api_as(operator).get(f"/api/v1/commands/{command.pk}/").json()

    assert shown["params"] == {"type": "SOFT"}
    assert (shown["ocpp_version"], shown["error_code"], shown["progress"]) == (None, None, None)

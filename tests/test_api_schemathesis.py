"""The REST API keeps the promises of its own OpenAPI schema.

Schemathesis reads /api/v1/schema/ from the project itself and sends
generated requests (valid and invalid) to every operation, in-process through
Django's WSGI application and inside the test database. It asserts what a
client relies on: never a server error, only documented status codes, the
documented content type, and bodies that match the documented schema.

Requests come from an operator (staff superuser), who may call everything,
so most operations get past permission checks. Detail routes are pointed at
seeded objects in about half of the examples, so they reach real rows and
not only 404s.
"""

import datetime
from urllib.parse import unquote, urlsplit

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from django.utils import timezone
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.enums import NotificationType
from accounts.models import IdTag, Notification, UserVehicle
from billing.models import Tariff, TariffElement
from billing.services.cdrs import cdr_create
from chargepoints.enums import (
    CommandName,
    CommandSource,
    CommandStatus,
    SessionStatus,
    TransactionStatus,
)
from chargepoints.evse_ids import connector_evse_id
from chargepoints.models import (
    ChargingSession,
    Command,
    Reservation,
    SampledValue,
    Transaction,
)
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

EXAMPLES_PER_OPERATION = 25
DRIVER_PASSWORD = "correct horse 42"  # the `driver` fixture's

CONFIG = schemathesis.Config.from_dict(
    {
        # A fixed seed and no example database: CI runs the same requests every time.
        "seed": 20240601,
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
        },
        "suppress-health-check": ["all"],
        # No crash cache: replaying earlier failures would make runs differ.
        "cache": {"enabled": False},
        # The coverage phase walks every enum value of every field: ~600 time
        # zones times three media types is 2,700 requests per location write,
        # minutes in all. Random generation within the budget finds the same bugs.
        "phases": {"coverage": {"enabled": False}},
        # Show the real request in failure reports: the token is a test's.
        "output": {"sanitization": {"enabled": False}},
    }
)

# Read from the project itself: the schema is generated from the code. Loaded
# at collection, so each operation is its own test item (and can be marked);
# a schema that cannot be generated fails collection, loudly.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json", get_wsgi_application(), config=CONFIG
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Real problems found here and not fixed yet: "METHOD /path" -> what its
# generated requests show. Such an operation is a strict xfail until fixed.
KNOWN_PROBLEMS: dict[str, str] = {}

# Values of path parameters that name seeded objects; filled by `seeded`.
SEEDED: dict[str, str] = {}


def seeded_path_parameters(path: str) -> dict:
    """The seeded object for each parameter of this path, by the resource it names."""
    by_resource = {
        "/charge-points/{chargepoint_id}/commands/{id}/": {"id": "command"},
        "/commands/{id}/": {"id": "command"},
        "/cdrs/{id}/": {"id": "cdr"},
        "/locations/{id}/": {"id": "location"},
        "/notifications/{id}/": {"id": "notification"},
        "/tariffs/{id}/": {"id": "tariff"},
        "/transactions/{id}/": {"id": "transaction"},
        "/users/{id}/": {"id": "user"},
        "/vehicles/{id}/": {"id": "vehicle"},
    }
    names = {
        "chargepoint_id": "chargepoint",
        "connectorid": "connector",
        "connector_id": "connector",
        "id_token": "id_tag",
        "session_id": "session",
        "transaction_id": "transaction",
        "uuid": "reservation",
        "token_key": "token_key",
        "evse_id": "evse",
    }
    for prefix, ids in by_resource.items():
        if path.removeprefix("/api/v1").startswith(prefix):
            names = {**names, **ids}
    params = {}
    for name in _parameter_names(path):
        params[name] = SEEDED[names[name]]
    return params


def _parameter_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


@schema.hook
def before_generate_path_parameters(context, strategy):
    # Half the examples name seeded objects; the rest probe unknown ids. The
    # seeded values are read when drawn, after the test's fixtures made them.
    path = context.operation.path
    return st.one_of(strategy, st.builds(lambda: seeded_path_parameters(path)))


def _soon() -> str:
    return (timezone.now() + datetime.timedelta(hours=1)).isoformat()


# Bodies that pass validation, for operations random data rarely gets
# through: without them the services behind these would only ever see a 400.
# Built when drawn, after the test's fixtures seeded what they name.
VALID_BODIES = {
    "POST /api/v1/auth/login/": lambda: {"username": "driver", "password": DRIVER_PASSWORD},
    "POST /api/v1/auth/register/": lambda: {
        "phone_number": "+66812345699",
        "password": "another horse 42",
    },
    "PUT /api/v1/me/payment-card/": lambda: {"number": "4242424242424242", "expiry": "12/39"},
    "POST /api/v1/charge-points/{chargepoint_id}/commands/": lambda: {
        "command": "RESET",
        "type": "SOFT",
    },
    "POST /api/v1/sessions/": lambda: {
        "chargepoint_id": SEEDED["chargepoint"],
        "connector_id": SEEDED["connector"],
        "id_tag": SEEDED["operator_tag"],
    },
    "POST /api/v1/reservations/": lambda: {
        "chargepoint_id": SEEDED["chargepoint"],
        "expiry_date": _soon(),
        "id_tag": SEEDED["operator_tag"],
    },
}


@schema.hook
def flatmap_body(context, body):
    # Now and then a valid body instead of the generated one.
    build = VALID_BODIES.get(context.operation.label)
    if build is None:
        return st.just(body)
    return st.one_of(st.just(body), st.builds(build))


@pytest.fixture(autouse=True)
def known_problem(request):
    """Operations with a reported problem are expected to fail, until it is fixed."""
    label = getattr(request.node, "operation_label", None)
    if label in KNOWN_PROBLEMS:
        reason = f"{label}: {KNOWN_PROBLEMS[label]}"
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection across requests, as Django's test client does.

    A WSGI server closes stale connections on each request start and end;
    here that would close the connection holding the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_settings(settings, monkeypatch):
    """No throttling and no waiting on chargers: the test is about shapes, not rates."""
    rates = dict.fromkeys(("anon", "login", "user", "operator", "password_reset"), "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF's throttles copy the rates when they are imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    # The seeded charger is not connected, so commands are recorded offline at
    # once; should one ever be routed, nobody waits for an answer.
    settings.CSMS_COMMAND_WAIT = 0
    settings.CSMS_COMMAND_ACK_TIMEOUT = 0.05
    cache.clear()


@pytest.fixture
def operator(api_settings, db):
    return user_in_group(OPERATORS, username="operator", password="operator password 42")


@pytest.fixture
def operator_token(operator) -> str:
    return token_for(operator)


@pytest.fixture
def seeded(api_settings, connector, chargepoint, location, driver, operator):
    """A little of everything, so detail routes can find real objects."""
    now = timezone.now()
    tag = IdTag.objects.create(idToken="DRIVER-TAG-1", user=driver)
    operator_tag = IdTag.objects.create(idToken="OPERATOR-TAG-1", user=operator)
    vehicle = UserVehicle.objects.create(user=driver, license_plate="B-CS 1234", make="BMW")
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", id="TARIFF-1", currency="EUR")
    TariffElement.objects.create(
        tariff=tariff, price_components=[{"type": "ENERGY", "price": 0.39, "step_size": 1}]
    )
    connector.tariff_ids.add(tariff)
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        id_token=tag.idToken,
        vehicle=vehicle,
        transaction_status=TransactionStatus.COMPLETED,
        start_transaction_timestamp=now - datetime.timedelta(hours=2),
        stop_transaction_timestamp=now - datetime.timedelta(hours=1),
        wh_meter_start=1000,
        wh_meter_last=8000,
        wh_meter_stop=8000,
    )
    SampledValue.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        transaction=tx,
        timestamp=now - datetime.timedelta(minutes=90),
        value="4500",
        numeric_value=4500,
        unit="Wh",
    )
    session = ChargingSession.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        transaction=tx,
        status=SessionStatus.COMPLETED,
        start_time=tx.start_transaction_timestamp,
        end_time=tx.stop_transaction_timestamp,
    )
    reservation = Reservation.objects.create(
        reservation_id=4711,
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        start_time=now,
        expiry_date=now + datetime.timedelta(minutes=30),
    )
    Notification.objects.create(
        user=driver,
        title="Charging complete",
        message="7 kWh charged.",
        type=NotificationType.CHARGING_COMPLETED,
        transaction=tx,
    )
    # To everyone, so the operator sees it too: notifications are per reader.
    notification = Notification.objects.create(
        user=None,
        title="Maintenance tonight",
        message="Site closed 02:00-04:00.",
        type=NotificationType.SYSTEM_MAINTENANCE,
    )
    command = Command.objects.create(
        chargepoint=chargepoint,
        name=CommandName.RESET,
        params={"type": "soft"},
        source=CommandSource.API,
        message_id="seeded-command-1",
        status=CommandStatus.ACCEPTED,
        response={"status": "Accepted"},
    )
    SEEDED.clear()
    SEEDED.update(
        chargepoint=chargepoint.pk,
        connector=connector.connectorid,
        location=location.pk,
        id_tag=tag.pk,
        operator_tag=operator_tag.pk,
        vehicle=vehicle.pk,
        tariff=tariff.pk,
        transaction=tx.pk,
        session=session.session_id,
        cdr=cdr_create(tx=tx).pk,
        reservation=str(reservation.pk),
        notification=notification.pk,
        command=command.pk,
        user=driver.pk,
        evse=connector_evse_id(connector),
        # Another device of the operator's: revoking it leaves the test's token.
        token_key=token_for(operator)[:15],
    )
    yield SEEDED
    SEEDED.clear()


@schema.parametrize()
@hypothesis.settings(deadline=None, database=None)
def test_the_api_answers_as_its_schema_says(
    case, seeded, operator_token, api_settings, in_process_requests
):
    headers = {"Authorization": f"Token {operator_token}"}
    response = case.call(headers=headers)
    if not routed(response):
        # A malformed path parameter ("/vehicles/abc/") matches no route, so
        # Django answers its own 404 page before the API sees the request.
        assert response.status_code == 404
        return
    if untyped_body(case):
        # Schemathesis sends a multipart body that is not an object as raw
        # bytes without a Content-Type; the API rightly answers 415 or 400.
        assert response.status_code in (400, 415)
        return
    case.validate_response(response, checks=CHECKS, headers=headers)


def untyped_body(case) -> bool:
    media_type = case.media_type or ""
    return media_type.startswith("multipart/") and isinstance(case.body, str | bytes)


def routed(response) -> bool:
    try:
        resolve(unquote(urlsplit(response.request.url).path))
    except Resolver404:
        return False
    return True

import asyncio
import os

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from accounts.services import user_create
from chargepoints.enums import ParkingType
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.services.commands import command_finish
from tests.server import demo_database_shared


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Keep each module's end-to-end tests on one test worker, with one server.

    Their server is a module fixture; split over two workers, it would be
    started twice. Other tests spread one by one (``--dist loadgroup``).
    First, so that xdist's own hook sees the marks.
    """
    for item in items:
        if item.get_closest_marker("e2e") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture(autouse=True)
def gateway_db_in_test_context(monkeypatch):
    """Adapters driven by tests use the test's database connection and transaction."""
    monkeypatch.setattr("ocpp_gateway.db.SHARED_CONTEXT", False)


@pytest.fixture(autouse=True)
def no_connection_left_in_other_threads(request):
    """Close what async code opened in asgiref's worker thread after a transactional test.

    ``asyncio.run`` in a test runs sync code (database_sync_to_async) in a
    thread of its own, whose connection would otherwise stay open and keep
    PostgreSQL from dropping the test database at the end.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        asyncio.run(sync_to_async(connections.close_all)())


@pytest.fixture(autouse=True)
def fresh_throttles():
    """API throttles count in the cache; each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def location(db) -> Location:
    return Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Test site",
        address="Hauptstraße 1",
        city="Berlin",
        postal_code="10115",
        country="DE",
        coordinates={"latitude": "52.52", "longitude": "13.40"},
        parking_type=ParkingType.PARKING_LOT,
        time_zone="Europe/Berlin",
    )


@pytest.fixture
def chargepoint(location) -> ChargePoint:
    return ChargePoint.objects.create(chargepoint_id="CP-TEST-1", location=location)


@pytest.fixture
def connector(chargepoint) -> Connector:
    return Connector.objects.create(chargepoint=chargepoint, connectorid=1)


@pytest.fixture
def driver(db):
    return user_create(username="driver", password="correct horse 42", phone_number="+66812345678")


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def charger(monkeypatch):
    """The connection holding the charger: takes each command and answers as told (or not)."""
    behaviour = {"status": None, "answer": {}, "refusal": ""}

    async def route(*, command_id, chargepoint_id, connection_id, wait):
        if behaviour["status"] is not None:
            await sync_to_async(command_finish)(
                chargepoint_id=chargepoint_id,
                command_id=command_id,
                status=behaviour["status"],
                response=behaviour["answer"],
                refusal=behaviour["refusal"],
            )
        return True

    monkeypatch.setattr("ocpp_gateway.commands.command_route", route)

    def answers(status, answer=None, refusal=""):
        # refusal: why, as the gateway would read the answer (CommandRefusal).
        behaviour["status"], behaviour["answer"] = status, answer or {}
        behaviour["refusal"] = refusal

    return answers


@pytest.fixture(scope="session")
def demo_database_template(tmp_path_factory):
    """A migrated SQLite database with the demo data, for the servers of end-to-end tests.

    Migrating takes seconds; every server copies this file instead. Test
    workers (pytest-xdist) each have a base folder of their own inside one
    shared folder, where the first of them builds the template for all.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    return demo_database_shared(root)

"""Sessions and reservations that end by time alone: written by the sweep only.

Reads never write (issue 13). A session's status is decided by events, the
periodic sweep (the server's timer, or ``manage.py expire_sessions``) among
them, never by a read (issue 18); a reservation past its expiry is shown
expired before the sweep writes it.
"""

import asyncio
import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from chargepoints.enums import (
    CommandName,
    CommandSource,
    CommandStatus,
    ReservationStatus,
    SessionStatus,
)
from chargepoints.models import ChargingSession, Command, Reservation
from chargepoints.services.expiry import charging_requests_expire
from chargepoints.services.sessions import TIMEOUT_REASON
from csms.periodic import PeriodicJobs
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def api(driver):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(driver)}")
    return client


@pytest.fixture
def operator_api(db):
    operator = user_in_group(OPERATORS, username="ops", password="correct horse 42")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    return client


@pytest.fixture
def timed_out(chargepoint, connector, driver, settings):
    """A session asked for longer ago than a charger may take to start it."""
    started = timezone.now() - datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT + 60)
    return ChargingSession.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        start_time=started,
        status=SessionStatus.STARTING,
    )


@pytest.fixture
def someone(db):
    from accounts.services import user_create

    return user_create(username="someone", password="correct horse 42", phone_number="+66800000009")


@pytest.fixture
def refused(chargepoint, connector, driver):
    """A session whose remote start a sweep timed out (no answer ever recorded on it)."""
    return _refused(chargepoint, connector, driver)


@pytest.fixture
def refused_elsewhere(chargepoint, someone):
    """The same for another driver, at no connector: one start waits per driver and connector."""
    return _refused(chargepoint, None, someone)


def _refused(chargepoint, connector, user):
    command = Command.objects.create(
        chargepoint=chargepoint,
        name=CommandName.REMOTE_START,
        source=CommandSource.API,
        message_id="refused-1",
        status=CommandStatus.REJECTED,
        response={"status": "Rejected"},
        answered_at=timezone.now() - datetime.timedelta(minutes=3),
    )
    return ChargingSession.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=user,
        start_command=command,
        status=SessionStatus.STARTING,
    )


@pytest.fixture
def expired(chargepoint, driver):
    return Reservation.objects.create(
        reservation_id=5,
        chargepoint=chargepoint,
        user=driver,
        start_time=timezone.now() - 2 * HOUR,
        expiry_date=timezone.now() - HOUR,
    )


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/",
        "/api/v1/sessions/?status=STARTING",
        "/api/v1/sessions/?ordering=-start_time",
        "/api/v1/reservations/",
        "/api/v1/reservations/?status=EXPIRED",
    ],
)
def test_reading_sessions_and_reservations_writes_nothing(
    api, timed_out, refused_elsewhere, expired, path
):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)

    assert response.status_code == 200
    assert response.json()["results"]
    assert writes(queries) == []


def test_a_session_times_out_when_the_sweep_runs_not_when_it_is_read(api, timed_out, settings):
    path = f"/api/v1/sessions/{timed_out.session_id}/"
    with CaptureQueriesContext(connection) as queries:
        before = api.get(path).json()
    assert writes(queries) == []
    assert before["status"] == "STARTING" and before["end_time"] is None

    charging_requests_expire()

    after = api.get(path).json()
    assert after["status"] == "TIMED_OUT"
    assert after["status_reason"] == TIMEOUT_REASON
    timed_out.refresh_from_db()
    assert timed_out.status == SessionStatus.TIMED_OUT
    # It ended at the limit, not when the sweep happened to run.
    limit = datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT)
    assert timed_out.end_time == timed_out.start_time + limit


def test_a_start_whose_command_a_sweep_ended_fails_when_the_sweep_runs(api, refused):
    body = api.get(f"/api/v1/sessions/{refused.session_id}/").json()
    assert body["status"] == "STARTING"

    charging_requests_expire()

    body = api.get(f"/api/v1/sessions/{refused.session_id}/").json()
    assert body["status"] == "FAILED"
    assert body["status_reason"] == "The charger refused (Rejected)."
    assert api.get("/api/v1/sessions/?status=FAILED").json()["results"][0]["status"] == "FAILED"
    refused.refresh_from_db()
    # It ended when the charger refused, not when the sweep ran.
    assert refused.end_time == refused.start_command.answered_at


def test_an_expired_reservation_is_shown_so_and_filtered_before_the_sweep(
    operator_api, expired, chargepoint
):
    later = Reservation.objects.create(
        reservation_id=6,
        chargepoint=chargepoint,
        start_time=timezone.now(),
        expiry_date=timezone.now() + HOUR,
    )

    def statuses(query=""):
        results = operator_api.get(f"/api/v1/reservations/{query}").json()["results"]
        return {row["uuid"]: row["status"] for row in results}

    assert statuses() == {str(expired.uuid): "EXPIRED", str(later.uuid): "ACTIVE"}
    assert statuses("?status=ACTIVE") == {str(later.uuid): "ACTIVE"}
    assert statuses("?status=EXPIRED") == {str(expired.uuid): "EXPIRED"}
    expired.refresh_from_db()
    assert expired.status == ReservationStatus.ACTIVE


def test_acting_on_a_session_or_reservation_that_has_ended_is_refused(api, timed_out, expired):
    # A start the sweep has not timed out yet is still waiting: its stop cancels it.
    stop = api.post(f"/api/v1/sessions/{timed_out.session_id}/stop/")
    cancel = api.post(f"/api/v1/reservations/{expired.uuid}/cancel/")

    assert (stop.status_code, stop.json()["outcome"]) == (200, "CANCELED")
    assert (cancel.status_code, cancel.json()["code"]) == (409, "not_active")
    assert not Command.objects.exists()


def test_the_sweep_writes_what_reads_showed(timed_out, refused_elsewhere, expired, settings):
    charging_requests_expire()

    timed_out.refresh_from_db()
    refused = refused_elsewhere
    refused.refresh_from_db()
    expired.refresh_from_db()
    assert timed_out.status == SessionStatus.TIMED_OUT
    # It ended at the limit, not when the sweep happened to run.
    limit = datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT)
    assert timed_out.end_time == timed_out.start_time + limit
    assert refused.status == SessionStatus.FAILED
    assert expired.status == ReservationStatus.EXPIRED


def test_manage_py_expire_sessions_runs_the_sweep(timed_out, expired, capsys):
    call_command("expire_sessions")

    timed_out.refresh_from_db()
    expired.refresh_from_db()
    assert timed_out.status == SessionStatus.TIMED_OUT
    assert expired.status == ReservationStatus.EXPIRED
    assert "settled" in capsys.readouterr().out


# -- the server's timer ----------------------------------------------------------------------


async def _app(scope, receive, send):
    return None


def test_the_server_runs_the_sweep_every_interval():
    runs = []

    async def scenario():
        app = PeriodicJobs(_app, [(0.01, lambda: runs.append(1))])
        await app({"type": "http"}, None, None)
        await app({"type": "http"}, None, None)  # started once, not per request
        assert len(app.tasks) == 1
        for _ in range(500):
            if len(runs) >= 3:
                break
            await asyncio.sleep(0.01)
        for task in app.tasks:
            task.cancel()

    asyncio.run(scenario())
    assert len(runs) >= 3


def test_a_failing_run_is_logged_and_the_timer_goes_on(caplog):
    runs = []

    def job():
        runs.append(1)
        raise RuntimeError("database away")

    async def scenario():
        app = PeriodicJobs(_app, [(0.01, job)])
        await app({"type": "http"}, None, None)
        for _ in range(500):
            if len(runs) >= 2:
                break
            await asyncio.sleep(0.01)
        for task in app.tasks:
            task.cancel()

    asyncio.run(scenario())
    assert len(runs) >= 2
    assert "Periodic job job failed" in caplog.text


def test_an_interval_of_zero_starts_no_timer():
    async def scenario():
        app = PeriodicJobs(_app, [(0, lambda: None)])
        await app({"type": "http"}, None, None)
        return app.tasks

    assert asyncio.run(scenario()) == []


def test_the_asgi_application_runs_the_expiry_sweep(settings):
    from csms.asgi import application

    assert (settings.CSMS_EXPIRY_INTERVAL, charging_requests_expire) in application.jobs

"""Sessions and reservations that end by time alone: shown at once, written by the sweep only.

Reads never write (issue 13): the API works out what has failed, timed out
or expired, and the periodic sweep (the server's timer, or
``manage.py expire_sessions``) writes it down with the same values.
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
        chargepoint=chargepoint, connector=connector, user=driver, start_time=started
    )


@pytest.fixture
def refused(chargepoint, connector, driver):
    """A session whose remote start the charger refused after the request had returned."""
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
        chargepoint=chargepoint, connector=connector, user=driver, start_command=command
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
        "/api/v1/sessions/?status=TIMEOUT",
        "/api/v1/sessions/?ordering=-end_time",
        "/api/v1/reservations/",
        "/api/v1/reservations/?status=EXPIRED",
    ],
)
def test_reading_sessions_and_reservations_writes_nothing(api, timed_out, refused, expired, path):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)

    assert response.status_code == 200
    assert response.json()["count"] >= 1
    assert writes(queries) == []


def test_a_timed_out_session_is_shown_so_before_the_sweep_and_the_same_after(api, timed_out):
    path = f"/api/v1/sessions/{timed_out.session_id}/"
    with CaptureQueriesContext(connection) as queries:
        before = api.get(path).json()
    assert writes(queries) == []
    timed_out.refresh_from_db()
    assert timed_out.status == SessionStatus.ACTIVE and timed_out.end_time is None

    charging_requests_expire()

    after = api.get(path).json()
    assert before["status"] == after["status"] == "TIMEOUT"
    assert before["status_reason"] == after["status_reason"] == TIMEOUT_REASON
    assert before["end_time"] == after["end_time"] is not None
    timed_out.refresh_from_db()
    assert timed_out.status == SessionStatus.TIMEOUT


def test_a_refused_start_is_shown_failed_before_the_sweep(api, refused):
    body = api.get(f"/api/v1/sessions/{refused.session_id}/").json()

    assert body["status"] == "FAILED"
    assert body["status_reason"] == "The charger refused (Rejected)."
    assert api.get("/api/v1/sessions/?status=FAILED").json()["count"] == 1
    assert api.get("/api/v1/sessions/?status=ACTIVE").json()["count"] == 0
    refused.refresh_from_db()
    assert refused.status == SessionStatus.ACTIVE

    charging_requests_expire()

    refused.refresh_from_db()
    assert refused.status == SessionStatus.FAILED
    assert refused.status_reason == body["status_reason"]
    # It ended when the charger refused, before and after the sweep alike.
    assert api.get(f"/api/v1/sessions/{refused.session_id}/").json() == body
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
    # Writes may write: they settle first, so they act on what is now true.
    stop = api.post(f"/api/v1/sessions/{timed_out.session_id}/stop/")
    cancel = api.post(f"/api/v1/reservations/{expired.uuid}/cancel/")

    assert (stop.status_code, stop.json()["code"]) == (409, "not_active")
    assert (cancel.status_code, cancel.json()["code"]) == (409, "not_active")
    assert not Command.objects.exists()


def test_the_sweep_writes_what_reads_showed(timed_out, refused, expired, settings):
    charging_requests_expire()

    timed_out.refresh_from_db()
    refused.refresh_from_db()
    expired.refresh_from_db()
    assert timed_out.status == SessionStatus.TIMEOUT
    # It ended at the limit, not when the sweep happened to run.
    limit = datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT)
    assert timed_out.end_time == timed_out.start_time + limit
    assert refused.status == SessionStatus.FAILED
    assert expired.status == ReservationStatus.EXPIRED


def test_manage_py_expire_sessions_runs_the_sweep(timed_out, expired, capsys):
    call_command("expire_sessions")

    timed_out.refresh_from_db()
    expired.refresh_from_db()
    assert timed_out.status == SessionStatus.TIMEOUT
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

    assert application.jobs == [(settings.CSMS_EXPIRY_INTERVAL, charging_requests_expire)]

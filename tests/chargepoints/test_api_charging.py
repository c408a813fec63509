"""Driver flows through the API: start and stop charging, reservations, transactions."""

import datetime
import json

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdTag
from accounts.services import user_create
from chargepoints.enums import (
    ChargePointStatus,
    CommandStatus,
    ReservationStatus,
    SessionStatus,
    TransactionStatus,
)
from chargepoints.models import ChargingSession, Command, Reservation, SampledValue, Transaction
from chargepoints.services.commands import command_finish
from chargepoints.services.expiry import charging_requests_expire
from tests.problems import field_errors
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

PASSWORD = "correct horse 42"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.fixture
def online(chargepoint, connector):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.connected = True
    chargepoint.connection_id = "conn-1"
    chargepoint.save()
    connector.connector_status = ChargePointStatus.AVAILABLE
    connector.save()
    return chargepoint


@pytest.fixture
def tag(driver):
    return IdTag.objects.create(idToken="DRV-TAG-1", user=driver)


@pytest.fixture
def api(driver):
    return token_client(driver)


@pytest.fixture
def other(db):
    return user_create(username="other", password=PASSWORD, phone_number="+66800000002")


@pytest.fixture
def other_api(other):
    return token_client(other)


@pytest.fixture
def operator_api(db):
    operator = user_in_group(OPERATORS, username="ops", password=PASSWORD)
    return token_client(operator)


@pytest.fixture
def charger(monkeypatch):
    """Stands in for the connection holding the charger: answers as told."""
    behaviour = {"status": CommandStatus.ACCEPTED, "answer": {"status": "Accepted"}}
    sent = []

    async def route(*, command_id, chargepoint_id, connection_id, wait):
        sent.append(command_id)
        if behaviour["status"] is None:
            return True  # taken, never answered within the wait
        await sync_to_async(command_finish)(
            chargepoint_id=chargepoint_id,
            command_id=command_id,
            status=behaviour["status"],
            response=behaviour["answer"],
        )
        return True

    monkeypatch.setattr("ocpp_gateway.commands.command_route", route)

    class Charger:
        def answers(self, status, answer=None):
            behaviour["status"] = status
            behaviour["answer"] = answer or {}

        @property
        def commands(self):
            return list(Command.objects.filter(pk__in=sent).order_by("pk"))

    return Charger()


def start(client, **body):
    return client.post("/api/v1/sessions/", {"chargepoint_id": "CP-TEST-1", **body}, format="json")


def active_tx(chargepoint, connector, *, user=None, tag=None, **fields) -> Transaction:
    return Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=user,
        id_tag=tag,
        id_token=tag.idToken if tag else "",
        start_transaction_timestamp=timezone.now(),
        wh_meter_start=1000,
        wh_meter_last=1500,
        **fields,
    )


# -- starting ------------------------------------------------------------------


def test_a_driver_starts_charging_with_their_tag_and_the_charger_is_told(
    api, online, tag, charger, driver
):
    response = start(api, connector_id=1, id_tag="drv-tag-1")

    # Answered at once (issue 18): the charger's answer moves the session.
    assert response.status_code == 202, response.data
    body = response.json()
    assert body["status"] == "STARTING"
    assert body["chargepoint_id"] == "CP-TEST-1"
    assert body["connector_id"] == 1
    assert body["id_tag"] == "DRV-TAG-1"
    assert body["transaction"] is None
    assert body["start_command"]["status"] == "ACCEPTED"
    (command,) = charger.commands
    session = ChargingSession.objects.get(session_id=body["session_id"])
    assert command.name == "remote_start"
    assert command.params["id_tag"] == "DRV-TAG-1"
    assert command.params["connector_id"] == 1
    assert command.params["remote_start_id"] == session.remote_start_id
    assert command.requested_by == driver
    assert command.source == "api"
    assert session.user == driver


def test_a_driver_with_one_tag_need_not_name_it_nor_the_only_connector(api, online, tag, charger):
    response = start(api)
    assert response.status_code == 202, response.data
    assert response.json()["id_tag"] == "DRV-TAG-1"
    assert response.json()["connector_id"] == 1


def test_the_vehicle_chosen_is_kept_on_the_session(api, online, tag, charger, driver):
    vehicle = driver.vehicles.create(license_plate="1AB 2345")
    response = start(api, vehicle=vehicle.pk)
    assert response.status_code == 202
    assert response.json()["vehicle"] == vehicle.pk


def test_someone_elses_vehicle_is_refused(api, online, tag, charger, other):
    vehicle = other.vehicles.create(license_plate="9ZZ 9999")
    response = start(api, vehicle=vehicle.pk)
    assert response.status_code == 400
    assert "vehicle" in field_errors(response)
    assert charger.commands == []


def test_a_driver_without_a_tag_is_told_to_add_one(api, online, charger):
    response = start(api, connector_id=1)
    assert response.status_code == 400
    assert field_errors(response)["id_tag"] == ["You have no id tag yet: add one first."]
    assert not ChargingSession.objects.exists()


def test_someone_elses_tag_cannot_start_charging(api, online, charger, other):
    IdTag.objects.create(idToken="OTHER-TAG", user=other)
    response = start(api, id_tag="OTHER-TAG")
    assert response.status_code == 400
    assert "is not one of your id tags" in field_errors(response)["id_tag"][0]
    assert charger.commands == []


def test_a_blocked_tag_cannot_start_charging(api, online, tag, charger):
    tag.revoked = True
    tag.save()
    response = start(api, id_tag="DRV-TAG-1")
    assert response.status_code == 400
    assert field_errors(response)["id_tag"] == ["Id tag DRV-TAG-1 is blocked."]


def test_an_unknown_charge_point_or_connector_is_a_field_error(api, online, tag, charger):
    response = api.post("/api/v1/sessions/", {"chargepoint_id": "NOPE"}, format="json")
    assert response.status_code == 400
    assert field_errors(response) == {"chargepoint_id": ["Unknown charge point 'NOPE'."]}
    response = start(api, connector_id=7)
    assert response.status_code == 400
    assert field_errors(response) == {
        "connector_id": ["Charge point CP-TEST-1 has no connector 7."]
    }


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"chargepoint_id": ["CP-TEST-1"]},
        {"chargepoint_id": "CP-TEST-1", "connector_id": "one"},
        {"chargepoint_id": "CP-TEST-1", "connector_id": 0},
        {"chargepoint_id": "CP-TEST-1", "connector_id": 10**20},
        {"chargepoint_id": "CP-TEST-1", "vehicle": "car"},
        {"chargepoint_id": "x" * 300},
    ],
)
def test_malformed_start_requests_get_field_errors(api, online, tag, charger, body):
    response = api.post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 400
    assert set(field_errors(response)) <= {"chargepoint_id", "connector_id", "vehicle", "id_tag"}
    assert field_errors(response)
    assert charger.commands == []


def test_a_body_that_is_not_json_is_a_400(api, online, tag):
    response = api.post("/api/v1/sessions/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_an_offline_charger_is_a_conflict_and_nothing_is_sent(api, online, tag, charger):
    online.connected = False
    online.save()
    response = start(api)
    assert response.status_code == 409
    assert response.json()["code"] == "charger_offline"
    assert charger.commands == []
    assert not ChargingSession.objects.exists()


def test_a_busy_connector_is_a_conflict(api, online, connector, tag, charger, other):
    active_tx(online, connector, user=other)
    response = start(api)
    assert response.status_code == 409
    assert response.json()["code"] == "connector_busy"
    assert charger.commands == []


@pytest.mark.parametrize("status", ["Charging", "SuspendedEV", "Finishing"])
def test_a_connector_reported_in_use_is_a_conflict(api, online, connector, tag, charger, status):
    connector.connector_status = status
    connector.save()
    assert start(api).json()["code"] == "connector_busy"


@pytest.mark.parametrize("status", ["Faulted", "Unavailable"])
def test_a_connector_out_of_service_is_a_conflict(api, online, connector, tag, charger, status):
    connector.connector_status = status
    connector.save()
    assert start(api).json()["code"] == "connector_unavailable"


def test_a_connector_reserved_for_someone_else_is_a_conflict(
    api, online, connector, tag, charger, other
):
    Reservation.objects.create(
        reservation_id=77,
        chargepoint=online,
        connector=connector,
        user=other,
        start_time=timezone.now(),
        expiry_date=timezone.now() + datetime.timedelta(hours=1),
    )
    assert start(api).json()["code"] == "connector_reserved"


def test_a_connector_reserved_for_the_driver_starts(api, online, connector, tag, charger, driver):
    Reservation.objects.create(
        reservation_id=78,
        chargepoint=online,
        connector=connector,
        user=driver,
        start_time=timezone.now(),
        expiry_date=timezone.now() + datetime.timedelta(hours=1),
    )
    assert start(api).status_code == 202


def test_a_tag_already_charging_elsewhere_is_a_conflict(
    api, online, connector, tag, charger, driver, location
):
    from chargepoints.models import ChargePoint, Connector

    elsewhere = ChargePoint.objects.create(chargepoint_id="CP-ELSE", location=location)
    active_tx(elsewhere, Connector.objects.create(chargepoint=elsewhere, connectorid=1), tag=tag)
    response = start(api, id_tag="DRV-TAG-1")
    assert response.status_code == 409
    assert response.json()["code"] == "tag_in_transaction"


def test_a_charger_that_refuses_fails_the_session(api, online, tag, charger):
    charger.answers(CommandStatus.REJECTED, {"status": "Rejected"})
    response = start(api)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "charger_rejected"
    assert body["detail"] == "The charger refused (Rejected)."
    session = ChargingSession.objects.get(session_id=body["session_id"])
    assert session.status == SessionStatus.FAILED
    assert session.status_reason == "The charger refused (Rejected)."


def test_a_charger_slow_to_answer_gives_202_and_the_session_settles_later(
    api, online, tag, charger
):
    charger.answers(None)
    response = start(api)
    assert response.status_code == 202
    session_id = response.json()["session_id"]
    assert response.json()["status"] == "STARTING"
    (command,) = charger.commands
    command_finish(
        chargepoint_id=online.pk,
        command_id=command.pk,
        status=CommandStatus.REJECTED,
        response={"status": "Rejected"},
    )
    body = api.get(f"/api/v1/sessions/{session_id}/").json()
    assert body["status"] == "FAILED"
    assert body["start_command"]["status"] == "REJECTED"


def test_a_session_whose_charger_never_starts_times_out(api, online, tag, charger, settings):
    session_id = start(api).json()["session_id"]
    ChargingSession.objects.filter(session_id=session_id).update(
        start_time=timezone.now()
        - datetime.timedelta(seconds=settings.CSMS_SESSION_START_TIMEOUT + 1)
    )
    # Decided by the periodic sweep, not by reading (issue 18).
    assert api.get(f"/api/v1/sessions/{session_id}/").json()["status"] == "STARTING"
    charging_requests_expire()
    body = api.get(f"/api/v1/sessions/{session_id}/").json()
    assert body["status"] == "TIMED_OUT"
    assert "in time" in body["status_reason"]


@pytest.mark.parametrize("status", ["BLOCKED", "EXPIRED"])
def test_a_blocked_or_expired_account_cannot_charge(api, online, tag, charger, driver, status):
    driver.status = status
    driver.save()
    response = start(api)
    assert response.status_code == 401
    assert charger.commands == []


def test_anonymous_callers_cannot_start_charging(online):
    response = APIClient().post("/api/v1/sessions/", {"chargepoint_id": "CP-TEST-1"}, format="json")
    assert response.status_code == 401


# -- stopping -----------------------------------------------------------------


def test_a_driver_stops_their_session_with_a_remote_stop(
    api, online, connector, tag, charger, driver
):
    session_id = start(api).json()["session_id"]
    tx = active_tx(online, connector, user=driver, tag=tag)
    ChargingSession.objects.filter(session_id=session_id).update(transaction=tx)

    response = api.post(f"/api/v1/sessions/{session_id}/stop/")

    assert response.status_code == 202, response.data
    assert response.json()["command"]["command"] == "REMOTE_STOP"
    assert response.json()["command"]["status"] == "ACCEPTED"
    stop = charger.commands[-1]
    assert stop.name == "remote_stop"
    assert stop.params["transaction_id"] == tx.pk


def test_a_session_not_started_yet_is_canceled_by_its_stop(api, online, tag, charger):
    session_id = start(api).json()["session_id"]
    response = api.post(f"/api/v1/sessions/{session_id}/stop/")
    assert response.status_code == 200
    assert response.json()["outcome"] == "CANCELED"
    assert api.get(f"/api/v1/sessions/{session_id}/").json()["status"] == "FAILED"


def test_a_driver_stops_their_own_transaction(api, online, connector, tag, charger, driver):
    tx = active_tx(online, connector, user=driver, tag=tag)
    response = api.post(f"/api/v1/transactions/{tx.pk}/stop/")
    assert response.status_code == 202
    assert charger.commands[-1].params["transaction_id"] == tx.pk


def test_a_finished_transaction_cannot_be_stopped(api, online, connector, tag, charger, driver):
    tx = active_tx(online, connector, user=driver, tag=tag)
    tx.transaction_status = TransactionStatus.COMPLETED
    tx.save()
    response = api.post(f"/api/v1/transactions/{tx.pk}/stop/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_active"


def test_a_stop_the_charger_refuses_is_a_conflict(api, online, connector, tag, charger, driver):
    tx = active_tx(online, connector, user=driver, tag=tag)
    charger.answers(CommandStatus.REJECTED, {"status": "Rejected"})
    response = api.post(f"/api/v1/transactions/{tx.pk}/stop/")
    assert response.status_code == 409
    assert response.json()["code"] == "charger_rejected"


def test_nobody_stops_another_drivers_charging(
    api, other_api, online, connector, tag, charger, driver
):
    session_id = start(api).json()["session_id"]
    tx = active_tx(online, connector, user=driver, tag=tag)
    ChargingSession.objects.filter(session_id=session_id).update(transaction=tx)
    assert other_api.post(f"/api/v1/sessions/{session_id}/stop/").status_code == 404
    assert other_api.post(f"/api/v1/transactions/{tx.pk}/stop/").status_code == 404
    assert [c.name for c in charger.commands] == ["remote_start"]


def test_an_operator_may_stop_any_transaction(
    operator_api, online, connector, tag, charger, driver
):
    tx = active_tx(online, connector, user=driver, tag=tag)
    assert operator_api.post(f"/api/v1/transactions/{tx.pk}/stop/").status_code == 202


# -- reading ------------------------------------------------------------------


def test_drivers_see_their_own_transactions_and_sessions_only(
    api, other_api, operator_api, online, connector, tag, driver, other
):
    mine = active_tx(online, connector, user=driver, tag=tag)
    theirs = active_tx(online, connector, user=other)
    shown = api.get("/api/v1/transactions/").json()["results"]
    assert [t["transaction_id"] for t in shown] == [mine.pk]
    assert api.get(f"/api/v1/transactions/{theirs.pk}/").status_code == 404
    assert other_api.get(f"/api/v1/transactions/{mine.pk}/").status_code == 404
    everything = operator_api.get("/api/v1/transactions/").json()
    assert len(everything["results"]) == 2


def test_a_transaction_shows_energy_status_and_live_values(api, online, connector, tag, driver):
    tx = active_tx(online, connector, user=driver, tag=tag, last_power_w=7200.0, last_soc=55.0)
    body = api.get(f"/api/v1/transactions/{tx.pk}/").json()
    assert body["status"] == "ACTIVE"
    assert body["energy_kwh"] == 0.5
    assert body["power_w"] == 7200.0
    assert body["soc_percent"] == 55.0
    assert body["connector_id"] == 1
    assert body["stopped_at"] is None
    assert body["user"] is None  # not shown to drivers


def test_transactions_filter_by_status_and_time(api, online, connector, tag, driver):
    old = active_tx(online, connector, user=driver, tag=tag)
    old.transaction_status = TransactionStatus.COMPLETED
    old.start_transaction_timestamp = timezone.now() - datetime.timedelta(days=3)
    old.save()
    new = active_tx(online, connector, user=driver)
    ids = lambda r: [t["transaction_id"] for t in r.json()["results"]]  # noqa: E731
    assert ids(api.get("/api/v1/transactions/?status=ACTIVE")) == [new.pk]
    assert ids(api.get("/api/v1/transactions/?status=COMPLETED")) == [old.pk]
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert ids(api.get("/api/v1/transactions/", {"started_after": since})) == [new.pk]
    assert ids(api.get("/api/v1/transactions/?ordering=start_transaction_timestamp")) == [
        old.pk,
        new.pk,
    ]
    assert api.get("/api/v1/transactions/?status=NOPE").status_code == 400
    assert api.get("/api/v1/transactions/?started_after=yesterday").status_code == 400


def test_meter_values_come_as_a_time_series(api, other_api, online, connector, tag, driver):
    tx = active_tx(online, connector, user=driver, tag=tag)
    start_at = timezone.now()
    for minute, (measurand, value) in enumerate(
        [
            ("Energy.Active.Import.Register", 1000),
            ("Power.Active.Import", 7000),
            ("Energy.Active.Import.Register", 1100),
        ]
    ):
        SampledValue.objects.create(
            chargepoint=online,
            connector=connector,
            transaction=tx,
            timestamp=start_at + datetime.timedelta(minutes=minute),
            value=str(value),
            numeric_value=value,
            measurand=measurand,
            unit="Wh" if measurand.startswith("Energy") else "W",
        )
    url = f"/api/v1/transactions/{tx.pk}/meter-values/"
    everything = api.get(url).json()
    assert [s["numeric_value"] for s in everything["results"]] == [1000, 7000, 1100]
    energy = api.get(url, {"measurand": "Energy.Active.Import.Register"}).json()["results"]
    assert [(s["numeric_value"], s["numeric_unit"]) for s in energy] == [(1000, "Wh"), (1100, "Wh")]
    assert other_api.get(url).status_code == 404
    assert api.get("/api/v1/transactions/999999/meter-values/").status_code == 404


# -- reservations ---------------------------------------------------------------


def reserve(client, **body):
    expiry = (timezone.now() + datetime.timedelta(minutes=30)).isoformat()
    payload = {"chargepoint_id": "CP-TEST-1", "expiry_date": expiry, **body}
    return client.post("/api/v1/reservations/", payload, format="json")


def test_a_driver_reserves_a_connector_through_reserve_now(api, online, tag, charger, driver):
    response = reserve(api, connector_id=1)
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["status"] == "ACTIVE"
    assert body["connector_id"] == 1
    assert body["id_tag"] == "DRV-TAG-1"
    (command,) = charger.commands
    assert command.name == "reserve_now"
    reservation = Reservation.objects.get(uuid=body["uuid"])
    assert reservation.user == driver
    assert reservation.reservation_id == command.params["reservation_id"]


def test_a_reservation_the_charger_refuses_is_a_conflict(api, online, tag, charger):
    charger.answers(CommandStatus.REJECTED, {"status": "Occupied"})
    response = reserve(api)
    assert response.status_code == 409
    assert response.json()["detail"] == "The charger refused (Occupied)."
    assert not Reservation.objects.exists()


def test_a_reservation_not_answered_yet_is_accepted_for_later(api, online, tag, charger):
    charger.answers(None)
    response = reserve(api)
    assert response.status_code == 202
    assert response.json()["command"]["command"] == "RESERVE_NOW"


def test_a_reservation_in_the_past_is_a_field_error(api, online, tag, charger):
    past = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    response = api.post(
        "/api/v1/reservations/", {"chargepoint_id": "CP-TEST-1", "expiry_date": past}, format="json"
    )
    assert response.status_code == 400
    assert "expiry_date" in field_errors(response)


def test_a_reservation_until_the_year_9999_is_a_field_error(api, online, tag, charger, settings):
    # Issue 15, finding 11: it held the connector from everyone else for ever.
    settings.CSMS_RESERVATION_MAX_HOURS = 24
    for expiry in (
        "9999-12-31T23:00:00Z",
        (timezone.now() + datetime.timedelta(hours=25)).isoformat(),
    ):
        response = reserve(api, expiry_date=expiry)

        assert response.status_code == 400
        assert field_errors(response)["expiry_date"] == ["A reservation may last at most 24 hours."]
    assert charger.commands == [] and not Reservation.objects.exists()
    in_23_hours = (timezone.now() + datetime.timedelta(hours=23)).isoformat()
    assert reserve(api, expiry_date=in_23_hours).status_code == 201


def test_a_driver_cancels_their_reservation(api, other_api, online, tag, charger):
    body = reserve(api).json()
    assert other_api.post(f"/api/v1/reservations/{body['uuid']}/cancel/").status_code == 404
    response = api.post(f"/api/v1/reservations/{body['uuid']}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "CANCELED"
    assert charger.commands[-1].name == "cancel_reservation"
    again = api.post(f"/api/v1/reservations/{body['uuid']}/cancel/")
    assert again.status_code == 409
    assert again.json()["code"] == "not_active"


def test_reservations_past_their_expiry_show_expired(api, online, tag, charger, driver):
    reservation = Reservation.objects.create(
        reservation_id=5,
        chargepoint=online,
        user=driver,
        start_time=timezone.now() - datetime.timedelta(hours=2),
        expiry_date=timezone.now() - datetime.timedelta(hours=1),
    )
    body = api.get("/api/v1/reservations/").json()
    assert [(r["uuid"], r["status"]) for r in body["results"]] == [
        (str(reservation.uuid), ReservationStatus.EXPIRED)
    ]


def test_sessions_list_is_paginated_and_filtered(api, online, tag, charger):
    for _ in range(3):
        charger.answers(CommandStatus.REJECTED, {"status": "Rejected"})
        start(api)
    page = api.get("/api/v1/sessions/?page_size=2").json()
    # Sessions page by cursor (issue 18): no count, a next link.
    assert len(page["results"]) == 2 and page["next"]
    assert len(api.get(page["next"]).json()["results"]) == 1
    assert len(api.get("/api/v1/sessions/?status=FAILED").json()["results"]) == 3
    assert api.get("/api/v1/sessions/?status=STARTING").json()["results"] == []
    assert json.loads(api.get("/api/v1/sessions/?status=BAD").content)["status"]


def test_time_filters_take_any_iso_offset_and_refuse_times_utc_cannot_hold(
    api, online, connector, tag, driver
):
    # PostgreSQL refuses offsets past 15:59; the filter hands it UTC instead.
    tx = active_tx(online, connector, user=driver, tag=tag)
    url = f"/api/v1/transactions/{tx.pk}/meter-values/"
    assert api.get(url, {"since": "7211-08-19T02:28:48-21:16"}).status_code == 200
    assert (
        len(
            api.get("/api/v1/transactions/", {"started_after": "2026-01-01T00:00:00+23:59"}).json()[
                "results"
            ]
        )
        == 1
    )
    late = api.get(url, {"until": "9999-12-31T23:00:00-05:00"})
    assert late.status_code == 400
    assert field_errors(late) == {"until": ["Out of range in UTC."]}

"""Issue 16: auto-registration registers Pending, and at most so many chargers a minute.

A review registered 300 random ids in 5 s. Now a charger registered by its
first connection is Pending until an operator accepts it, is marked as
auto-registered, and beyond CSMS_AUTO_REGISTER_PER_MINUTE (counted in the
database, across all server processes) the handshake is refused and logged.
"""

import asyncio
import datetime
import logging
import threading

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection, connections
from django.utils import timezone

from chargepoints.models import ChargePoint
from chargepoints.services import admission
from chargepoints.services.admission import Refusal, chargepoint_admit
from chargepoints.services.connections import Connection
from csms.asgi import application
from tests.ocpp_gateway.test_security_profiles import attempt
from tests.server import database_copy, project_env, running_server, sqlite_rows
from tests.waiting import DEADLINE

LIVE = Connection("live", "ocpp1.6", ip_address="192.0.2.10")


def register(chargepoint_id: str, **options):
    return chargepoint_admit(
        chargepoint_id=chargepoint_id,
        auto_register=True,
        connection=LIVE,
        require_auth=False,
        **options,
    )


def test_an_auto_registered_charger_is_pending_and_marked_so(db, settings):
    admission = register("NEW-1", auto_register_status=settings.CSMS_AUTO_REGISTER_STATUS)

    assert admission.registered and admission.connected
    cp = ChargePoint.objects.get(pk="NEW-1")
    assert (cp.registration_status, cp.auto_registered, cp.connected) == ("Pending", True, True)


def test_the_default_status_of_auto_registration_is_pending(settings):
    # The setting's default (csms/csms_settings.py), as the tests run with it.
    assert settings.CSMS_AUTO_REGISTER_STATUS == "Pending"


def test_at_most_so_many_chargers_are_auto_registered_a_minute(db, settings):
    settings.CSMS_AUTO_REGISTER_PER_MINUTE = 2
    # Chargers an operator created do not count; nor do those registered
    # over a minute ago.
    ChargePoint.objects.create(chargepoint_id="MADE-BY-HAND")
    ChargePoint.objects.create(chargepoint_id="OLD-1", auto_registered=True)
    ChargePoint.objects.filter(pk="OLD-1").update(
        created_at=timezone.now() - datetime.timedelta(seconds=61)
    )

    assert register("NEW-1").registered
    assert register("NEW-2").registered
    over = register("NEW-3")

    assert (over.refused, over.registered, over.connected) == (
        Refusal.AUTO_REGISTRATION_LIMIT,
        False,
        False,
    )
    assert not ChargePoint.objects.filter(pk="NEW-3").exists()
    # A charger registered already is known, not registered again: it connects.
    assert register("NEW-1").connected


# Threads of one test wait for each other's locks on PostgreSQL; the test
# database of SQLite is in memory (shared cache), where a second writer fails
# at once instead of waiting as it does on a file. Run with DATABASE_URL.
ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_registrations_at_the_same_moment_never_pass_the_cap(settings, monkeypatch):
    # A review registered 32 against a cap of 10 with a hundred handshakes
    # at once: each counted before any had inserted. Here a second
    # registration runs while the first, counted, is about to insert.
    settings.CSMS_AUTO_REGISTER_PER_MINUTE = 1
    real_insert = admission.row_insert
    rival: dict = {}

    def rival_registers():
        try:
            rival["admission"] = register("NEW-2")
        finally:
            connections.close_all()

    def insert_after_a_rival(row):
        if row.pk == "NEW-1":
            rival["thread"] = threading.Thread(target=rival_registers)
            rival["thread"].start()
            # Held back until this registration commits, it cannot finish
            # meanwhile; unserialised, it counts none and registers.
            rival["thread"].join(timeout=1)
        return real_insert(row)

    monkeypatch.setattr(admission, "row_insert", insert_after_a_rival)

    first = register("NEW-1")
    rival["thread"].join(DEADLINE)

    assert first.registered
    assert rival["admission"].refused == Refusal.AUTO_REGISTRATION_LIMIT
    assert list(ChargePoint.objects.values_list("pk", flat=True)) == ["NEW-1"]


@pytest.mark.django_db(transaction=True)
def test_the_cap_is_counted_in_the_transaction_that_registers(settings):
    # Counted outside it, another process may insert between the count and
    # the insert. SQLite's transactions are write transactions from BEGIN
    # IMMEDIATE, so a count inside one is a count no other writer can
    # change; PostgreSQL's take an advisory lock first.
    settings.CSMS_AUTO_REGISTER_PER_MINUTE = 5
    seen = []

    def in_transaction(execute, sql, params, many, context):
        if "pg_advisory_xact_lock" in sql:
            seen.append(("LOCK", connection.in_atomic_block))
        elif sql.startswith("SELECT COUNT("):
            seen.append(("COUNT", connection.in_atomic_block))
        elif sql.startswith("INSERT"):
            seen.append(("INSERT", connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(in_transaction):
        assert register("NEW-1").registered

    expected = [("COUNT", True), ("INSERT", True)]
    if ON_POSTGRESQL:
        expected.insert(0, ("LOCK", True))
    assert seen[: len(expected)] == expected


def test_a_cap_of_zero_means_no_cap(db, settings):
    # The benchmark's fleet registers 10,000 chargers at once.
    settings.CSMS_AUTO_REGISTER_PER_MINUTE = 0

    assert all(register(f"NEW-{number}").registered for number in range(5))


@pytest.mark.django_db(transaction=True)
def test_over_the_cap_the_handshake_is_refused_and_logged(settings, caplog):
    settings.CSMS_AUTO_REGISTER = True
    settings.CSMS_AUTO_REGISTER_PER_MINUTE = 1
    ChargePoint.objects.create(pk="NEW-FIRST", auto_registered=True)

    async def handshake():
        communicator = WebsocketCommunicator(
            application, "/ocpp/NEW-OVER", subprotocols=["ocpp1.6"]
        )
        connected, _ = await communicator.connect(timeout=DEADLINE)
        await communicator.disconnect()
        return connected

    with caplog.at_level(logging.WARNING, logger="ocpp_gateway.consumer"):
        assert asyncio.run(handshake()) is False

    assert "Refused charger NEW-OVER" in caplog.text
    assert "AutoRegistrationLimit" in caplog.text
    assert not ChargePoint.objects.filter(pk="NEW-OVER").exists()


@pytest.mark.e2e
def test_a_server_auto_registers_no_more_than_its_cap(tmp_path, demo_database_template):
    database = database_copy(demo_database_template, tmp_path)
    env = project_env(
        SQLITE_PATH=str(database), CSMS_AUTO_REGISTER="1", CSMS_AUTO_REGISTER_PER_MINUTE="2"
    )
    with running_server(env) as base_url:
        url = base_url.replace("http://", "ws://")
        statuses = [attempt(url, f"HOME-{number}") for number in range(3)]
        # The first two come again: known now, they connect.
        again = [attempt(url, f"HOME-{number}") for number in range(2)]

    assert statuses == [101, 101, 403]
    assert again == [101, 101]
    assert sqlite_rows(
        database,
        "SELECT chargepoint_id, registration_status, auto_registered "
        "FROM chargepoints_chargepoint WHERE chargepoint_id LIKE 'HOME-%' ORDER BY 1",
    ) == [("HOME-0", "Pending", 1), ("HOME-1", "Pending", 1)]

"""The gateway's database seam: one connection per server process, whoever calls."""

import asyncio

import pytest
from django.db import connection

from ocpp_gateway import db


@pytest.fixture
def shared_context(monkeypatch):
    """The real seam; its connection is closed afterwards so the test database can go."""
    monkeypatch.setattr(db, "SHARED_CONTEXT", True)
    yield
    asyncio.run(db.gateway_db(_close))


def _close(**_) -> None:
    connection.close()


def _connection_id(**_) -> int:
    connection.ensure_connection()
    return id(connection.connection)


@pytest.mark.django_db(transaction=True)
def test_every_charger_connection_shares_one_database_connection(shared_context):
    async def many_chargers():
        # Each task stands for one charger's consumer, with its own context.
        return await asyncio.gather(
            *(asyncio.create_task(db.gateway_db(_connection_id)) for _ in range(20))
        )

    assert len(set(asyncio.run(many_chargers()))) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_connection_is_replaced_before_the_next_call(request):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Django ignores close() on an in-memory database (it would destroy it);
        # this runs for real in CI's PostgreSQL pass.
        pytest.skip("needs a database whose connections can be closed")
    request.getfixturevalue("shared_context")

    def break_it(**_):
        connection.ensure_connection()
        connection.connection.close()  # as if the database went away
        connection.errors_occurred = True

    def still_works(**_):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]

    async def scenario():
        await db.gateway_db(break_it)
        return await db.gateway_db(still_works)

    assert asyncio.run(scenario()) == 1

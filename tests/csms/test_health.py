"""GET /health/: what a load balancer, a container check and the test servers poll."""

import pytest
from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper


def test_it_answers_ok_to_anyone_once_the_database_answers(client, db):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # A proxy must never serve an old "ok" for a server that has gone down.
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_without_details_when_the_database_is_unreachable(
    client, db, monkeypatch, caplog
):
    def unreachable(self, sql, params=None):
        raise DatabaseError("connection to server at 10.0.0.5 failed: password rejected")

    with monkeypatch.context() as patched:
        patched.setattr(CursorWrapper, "execute", unreachable)
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    # The reason goes to the log, never to an anonymous caller.
    assert "10.0.0.5" not in response.content.decode()
    assert "the database is unreachable" in caplog.text


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_only_reads(client, db, method):
    assert getattr(client, method)("/health/").status_code == 405

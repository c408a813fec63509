"""billing 0009 hashes the partner tokens an earlier version stored in plain text."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from billing.ocpi.tokens import token_hash

BEFORE = [("billing", "0008_cdr_action_permissions")]
AFTER = [("billing", "0009_ocpi_partner_token_hashes")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_stored_tokens_and_they_still_open_the_api():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("billing", "OcpiPartner")
    old.objects.create(name="Registered", status="REGISTERED", token_b="b", token_c="plain-c")
    old.objects.create(name="Pending", status="PENDING", token_a="plain-a")
    old.objects.create(name="Unregistered", status="PENDING")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("billing", "OcpiPartner")
    rows = {
        row["name"]: row
        for row in new.objects.values("name", "token_a_hash", "token_b", "token_c_hash")
    }

    assert rows["Registered"]["token_c_hash"] == token_hash("plain-c")
    assert rows["Registered"]["token_b"] == "b"  # ours to send: kept as given
    assert rows["Pending"]["token_a_hash"] == token_hash("plain-a")
    assert rows["Unregistered"]["token_a_hash"] == rows["Unregistered"]["token_c_hash"] == ""

    # Back to the newest schema for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

"""The Operators and Support groups that accounts/migrations/0003 ships."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.rights import OPERATORS, SUPPORT, group

migration = importlib.import_module("accounts.migrations.0003_operator_groups")


def codenames(name: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group(name).permissions.select_related("content_type")
    }


@pytest.mark.django_db
def test_support_may_only_look():
    rights = codenames(SUPPORT)

    assert rights
    assert {name.partition(".")[2].partition("_")[0] for name in rights} == {"view"}


@pytest.mark.django_db
def test_operators_may_see_every_model_of_the_csms_as_it_was_then():
    rights = codenames(OPERATORS)

    assert codenames(SUPPORT) <= rights
    assert {"billing.approve_cdr", "billing.credit_cdr", "billing.add_cdr"} <= rights
    assert {"chargepoints.change_chargepoint", "accounts.change_user"} <= rights


@pytest.mark.django_db
def test_no_group_may_hand_out_rights():
    # Groups and permissions are a superuser's business (auth), and nobody
    # deletes a user or a transaction with its history.
    for name in (OPERATORS, SUPPORT):
        rights = codenames(name)
        assert not {right for right in rights if right.startswith("auth.")}
        assert not {"accounts.delete_user", "chargepoints.delete_transaction"} & rights


@pytest.mark.django_db
def test_running_it_again_changes_nothing():
    migration.groups_create(apps)
    before = {name: codenames(name) for name in (OPERATORS, SUPPORT)}

    migration.groups_create(apps)

    assert {name: codenames(name) for name in (OPERATORS, SUPPORT)} == before
    assert Group.objects.filter(name__in=[OPERATORS, SUPPORT]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_creates_the_groups_on_an_empty_database_and_goes_back():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0002_notification_reads")]
    executor.migrate(before)
    # What a fresh database has before post_migrate ever ran: no permissions.
    Permission.objects.all().delete()
    assert not Group.objects.filter(name__in=[OPERATORS, SUPPORT]).exists()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Group.objects.get(name=OPERATORS).permissions.filter(codename="approve_cdr").exists()
    assert Group.objects.get(name=SUPPORT).permissions.filter(codename="view_user").exists()
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    assert not Group.objects.filter(name__in=[OPERATORS, SUPPORT]).exists()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_operators_revoke_devices_and_manage_partner_tags_support_sees_them():
    # Granted by 0006: the token proxy (0005) and partner tags (billing 0009)
    # came after the groups.
    operators, support = codenames(OPERATORS), codenames(SUPPORT)
    assert {"accounts.view_apitoken", "accounts.delete_apitoken"} <= operators
    assert {"billing.add_partnertoken", "billing.delete_partnertoken"} <= operators
    assert {"accounts.view_apitoken", "billing.view_partnertoken"} <= support


@pytest.mark.django_db(transaction=True)
def test_the_plaintext_tokens_of_before_are_dropped():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0006_token_rights")]
    executor.migrate(before)
    with connection.cursor() as cursor:
        # What DRF's authtoken left in a database of before issue 15.
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef')")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert "authtoken_token" not in connection.introspection.table_names()

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # --check exits non-zero when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


BEFORE = [
    ("billing", "0004_tariff_type_values"),
    ("chargepoints", "0005_transaction_tariff_and_states"),
]
AFTER = [
    ("billing", "0006_tariff_connectors"),
    ("chargepoints", "0006_prices_and_tariffs_to_billing"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_prices_and_connector_tariffs_move_to_billing_with_their_data():
    old = _migrate(BEFORE)
    Tariff = old.get_model("billing", "Tariff")
    ChargePoint = old.get_model("chargepoints", "ChargePoint")
    Connector = old.get_model("chargepoints", "Connector")
    Transaction = old.get_model("chargepoints", "Transaction")
    tariff = Tariff.objects.create(id="T-1", country_code="DE", party_id="CSM", currency="EUR")
    chargepoint = ChargePoint.objects.create(chargepoint_id="CP-MIGRATE")
    connector = Connector.objects.create(chargepoint=chargepoint, connectorid=1)
    connector.tariff_ids.add(tariff)
    at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    priced = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        start_transaction_timestamp=at,
        tariff=tariff,
        tariff_snapshot={"id": "T-1", "currency": "EUR"},
        total_cost=Decimal("3.6890"),
    )
    unpriced = Transaction.objects.create(chargepoint=chargepoint, start_transaction_timestamp=at)

    try:
        new = _migrate(AFTER)
        Pricing = new.get_model("billing", "TransactionPricing")
        assert list(
            Pricing.objects.values_list(
                "transaction_id", "tariff_id", "tariff_snapshot", "total_cost"
            )
        ) == [(priced.pk, "T-1", {"id": "T-1", "currency": "EUR"}, Decimal("3.6890"))]
        assert not Pricing.objects.filter(transaction_id=unpriced.pk).exists()
        tariffs = new.get_model("billing", "Tariff")
        assert list(tariffs.objects.get(pk="T-1").connectors.values_list("pk", flat=True)) == [
            connector.pk
        ]

        # And back: the charging domain gets its fields and rows again.
        old = _migrate(BEFORE)
        restored = old.get_model("chargepoints", "Transaction").objects.get(pk=priced.pk)
        assert (restored.tariff_id, restored.total_cost) == ("T-1", Decimal("3.6890"))
        assert list(
            old.get_model("chargepoints", "Connector")
            .objects.get(pk=connector.pk)
            .tariff_ids.values_list("pk", flat=True)
        ) == ["T-1"]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

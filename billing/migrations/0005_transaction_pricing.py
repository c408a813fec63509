# Billing takes over the price of a transaction from the charging domain
# (issue 13): the tariff link, its snapshot and the running cost move from
# chargepoints.Transaction to billing.TransactionPricing, rows copied as they are.

import django.db.models.deletion
from django.db import migrations, models


def copy_prices(apps, schema_editor):
    Transaction = apps.get_model("chargepoints", "Transaction")
    TransactionPricing = apps.get_model("billing", "TransactionPricing")
    priced = Transaction.objects.filter(
        models.Q(tariff__isnull=False)
        | models.Q(tariff_snapshot__isnull=False)
        | models.Q(total_cost__isnull=False)
    ).values_list("transaction_id", "tariff_id", "tariff_snapshot", "total_cost")
    batch = []
    for transaction_id, tariff_id, snapshot, total_cost in priced.iterator(chunk_size=2000):
        batch.append(
            TransactionPricing(
                transaction_id=transaction_id,
                tariff_id=tariff_id,
                tariff_snapshot=snapshot,
                total_cost=total_cost,
            )
        )
        if len(batch) >= 2000:
            TransactionPricing.objects.bulk_create(batch)
            batch = []
    TransactionPricing.objects.bulk_create(batch)


def restore_prices(apps, schema_editor):
    Transaction = apps.get_model("chargepoints", "Transaction")
    TransactionPricing = apps.get_model("billing", "TransactionPricing")
    for pricing in TransactionPricing.objects.iterator(chunk_size=2000):
        Transaction.objects.filter(pk=pricing.transaction_id).update(
            tariff_id=pricing.tariff_id,
            tariff_snapshot=pricing.tariff_snapshot,
            total_cost=pricing.total_cost,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0004_tariff_type_values"),
        ("chargepoints", "0005_transaction_tariff_and_states"),
    ]
    # The charging domain drops its price fields once they are copied here.
    run_before = [("chargepoints", "0006_prices_and_tariffs_to_billing")]

    operations = [
        migrations.CreateModel(
            name="TransactionPricing",
            fields=[
                (
                    "transaction",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="pricing",
                        serialize=False,
                        to="chargepoints.transaction",
                    ),
                ),
                ("tariff_snapshot", models.JSONField(blank=True, null=True)),
                (
                    "total_cost",
                    models.DecimalField(
                        blank=True,
                        decimal_places=4,
                        help_text="Cost so far including VAT, in the tariff's currency; empty when unpriced.",
                        max_digits=12,
                        null=True,
                    ),
                ),
                (
                    "tariff",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="transactions",
                        to="billing.tariff",
                    ),
                ),
            ],
            options={
                "verbose_name": "transaction pricing",
                "verbose_name_plural": "transaction pricing",
            },
        ),
        migrations.RunPython(copy_prices, restore_prices),
    ]

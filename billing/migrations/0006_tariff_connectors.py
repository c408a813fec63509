# Billing owns the link between tariffs and connectors (issue 13): the table
# chargepoints made for Connector.tariff_ids becomes Tariff.connectors, rows
# untouched (same two columns), then takes billing's name.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0005_transaction_pricing"),
        ("chargepoints", "0006_prices_and_tariffs_to_billing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="tariff",
                    name="connectors",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="tariff_ids",
                        to="chargepoints.connector",
                        db_table="chargepoints_connector_tariff_ids",
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="tariff",
            name="connectors",
            field=models.ManyToManyField(
                blank=True, related_name="tariff_ids", to="chargepoints.connector"
            ),
        ),
    ]

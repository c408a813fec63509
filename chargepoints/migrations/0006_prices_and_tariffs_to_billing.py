# The charging domain no longer holds prices (issue 13): billing copied them
# first (billing 0005 runs before this), and the connector-tariff link table
# is kept as it is and handed to billing (billing 0006).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("chargepoints", "0005_transaction_tariff_and_states"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="connector", name="tariff_ids"),
            ],
        ),
        migrations.RemoveField(model_name="transaction", name="tariff"),
        migrations.RemoveField(model_name="transaction", name="tariff_snapshot"),
        migrations.RemoveField(model_name="transaction", name="total_cost"),
    ]

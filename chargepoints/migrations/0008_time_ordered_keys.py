# New readings and status reports get time-ordered keys (csms.ids.uuid7).

from django.db import migrations, models

import csms.ids


class Migration(migrations.Migration):
    dependencies = [
        ("chargepoints", "0007_hot_path_indexes"),
    ]

    # A default made in Python changes no column: state only, so SQLite does
    # not copy the whole readings table to "alter" it.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model_name,
                    name="uuid",
                    field=models.UUIDField(
                        default=csms.ids.uuid7, editable=False, primary_key=True, serialize=False
                    ),
                )
                for model_name in ("sampledvalue", "statusnotification")
            ],
        ),
    ]

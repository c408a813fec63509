"""The API tokens of before issue 15 (DRF's authtoken) were stored in clear.

The app is gone (django-rest-knox keeps only hashes), but its table would stay
in existing databases with every old token readable. Those tokens no longer
work; drivers log in again.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_token_rights")]

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop)]

"""Rights on charger trust (chargepoints 0010).

Operators see and clear charger lock-outs, see the server processes, give
chargers new passwords and close transactions their chargers never stopped;
Support sees lock-outs and processes. As in 0003, the permissions are created
first: on a fresh database Django makes them only after migrate.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Operators": [
        ("chargepoints", "view_chargerlockout"),
        ("chargepoints", "delete_chargerlockout"),
        ("chargepoints", "view_serverprocess"),
        ("chargepoints", "rotate_password"),
        ("chargepoints", "close_transaction"),
    ],
    "Support": [
        ("chargepoints", "view_chargerlockout"),
        ("chargepoints", "view_serverprocess"),
    ],
}


def rights_grant(apps, schema_editor=None) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    create_permissions(global_apps.get_app_config("chargepoints"), verbosity=0, apps=apps)
    for name, rights in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *(
                Permission.objects.get(content_type__app_label=label, codename=codename)
                for label, codename in rights
            )
        )


def rights_withdraw(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, rights in GRANTS.items():
        for group in Group.objects.filter(name=name):
            for label, codename in rights:
                group.permissions.remove(
                    *Permission.objects.filter(content_type__app_label=label, codename=codename)
                )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_drop_plaintext_tokens"),
        ("chargepoints", "0010_charger_trust"),
    ]

    operations = [migrations.RunPython(rights_grant, rights_withdraw)]

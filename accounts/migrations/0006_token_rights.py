"""Rights on the two models that came after the groups (0003).

Operators see and revoke drivers' API tokens (devices) and manage which tags a
roaming partner issued; Support sees both. As in 0003, the permissions are
created first: on a fresh database Django makes them only after migrate.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Operators": [
        ("accounts", "view_apitoken"),
        ("accounts", "delete_apitoken"),
        ("billing", "view_partnertoken"),
        ("billing", "add_partnertoken"),
        ("billing", "change_partnertoken"),
        ("billing", "delete_partnertoken"),
    ],
    "Support": [("accounts", "view_apitoken"), ("billing", "view_partnertoken")],
}


def rights_grant(apps, schema_editor=None) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for label in ("accounts", "billing"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
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
        ("accounts", "0005_apitoken"),
        ("billing", "0009_ocpi_partner_token_hashes"),
    ]

    operations = [migrations.RunPython(rights_grant, rights_withdraw)]

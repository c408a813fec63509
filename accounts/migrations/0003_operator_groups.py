"""The groups that give staff their rights: Operators run the CSMS, Support looks.

Issue 15: ``is_staff`` alone grants nothing (docs/architecture.md, rule 11).
A superuser puts an account in one of these groups (and ticks ``is_staff``
for the admin); the API and the admin then check the model permissions the
group holds. Groups and permissions themselves stay a superuser's business:
no group here may change users' rights (no ``auth`` permissions).

Django creates permissions after ``migrate`` (post_migrate), too late for a
data migration on a fresh database, so they are created here first. Running
this again adds what is missing and changes nothing else; going back deletes
the two groups.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ("accounts", "chargepoints", "billing", "ocpp_gateway")

ALL = ("view", "add", "change", "delete")
KEEP = ("view", "add", "change")  # rows with history: an operator fixes them, never deletes
LOOK = ("view",)  # what chargers reported, and what only the system writes

# What an operator of this CSMS needs, per model: the admin's pages and
# actions and the API's operator routes check exactly these.
OPERATORS = {
    "accounts": {
        # Drivers register themselves; operators find, fix, block and
        # expire accounts. Deleting one would take its history with it.
        "user": KEEP,
        "profile": ("view", "change"),
        "uservehicle": ALL,
        # Revoking is the usual end of a card; a tag never used may go.
        "idtag": ALL,
        "notification": ALL,
    },
    "chargepoints": {
        # Sites are built, moved and taken down (the services refuse to
        # delete what transactions refer to).
        "location": ALL,
        "chargepoint": ALL,
        "connector": ALL,
        "chargingprofile": ALL,
        "command": KEEP,
        "reservation": KEEP,
        # Review flags and stops put right by hand; never deleted (billing).
        "transaction": KEEP,
        "chargingsession": KEEP,
        "sampledvalue": LOOK,
        "statusnotification": LOOK,
        "heartbeat": LOOK,
        "configurationvariable": LOOK,
        "chargerevent": LOOK,
    },
    "billing": {
        "tariff": ALL,
        "tariffelement": ALL,
        # Billing keeps a transaction's price itself.
        "transactionpricing": LOOK,
        # A CDR is never changed or deleted: it is approved, or credited and
        # made anew (CDR.Meta.permissions). Reconciling makes one (add).
        "cdr": ("view", "add", "approve", "credit"),
        "ocpipartner": KEEP,
    },
    "ocpp_gateway": {
        "ocppmessage": LOOK,
    },
}


def _permissions_create(apps) -> None:
    for label in APPS:
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)


def groups_create(apps, schema_editor=None) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    _permissions_create(apps)
    operator_rights = []
    for label, models in OPERATORS.items():
        for model, actions in models.items():
            for action in actions:
                operator_rights.append(
                    Permission.objects.get(
                        content_type__app_label=label, codename=f"{action}_{model}"
                    )
                )
    operators, _ = Group.objects.get_or_create(name="Operators")
    operators.permissions.add(*operator_rights)
    support, _ = Group.objects.get_or_create(name="Support")
    support.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=APPS, codename__startswith="view_")
    )


def groups_delete(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=["Operators", "Support"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_notification_reads"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("billing", "0008_cdr_action_permissions"),
        ("chargepoints", "0009_transaction_start_index"),
        ("ocpp_gateway", "0002_hot_path_indexes"),
    ]

    operations = [migrations.RunPython(groups_create, groups_delete)]

"""Session states decided by events (issue 18): ACTIVE splits into the steps a
driver's charging goes through, TIMEOUT becomes TIMED_OUT, and one start may
wait for its charger per connector and per driver."""

from django.db import migrations, models
from django.db.models import Q

PENDING = ("REQUESTED", "STARTING")
# A transaction paused by the car or the charger (OCPP 2.0.1 chargingState,
# and the 1.6 connector status kept in the same history).
SUSPENDED_STATES = ("SuspendedEV", "SuspendedEVSE")
REPLACED = "A later start of the same driver or connector replaced it."


def _last_state(tx) -> str:
    history = tx.charging_states or []
    return (history[-1].get("state") if history else "") or tx.charging_state


def forwards(apps, schema_editor):
    session_model = apps.get_model("chargepoints", "ChargingSession")
    sessions = session_model.objects.all()
    sessions.filter(status="TIMEOUT").update(status="TIMED_OUT")
    sessions.filter(status="ACTIVE", transaction__isnull=True).update(status="STARTING")
    for session in sessions.filter(status="ACTIVE").select_related("transaction"):
        suspended = _last_state(session.transaction) in SUSPENDED_STATES
        session.status = "SUSPENDED" if suspended else "CHARGING"
        session.save(update_fields=["status"])
    # The old rules let a driver leave several starts waiting: the newest of each
    # driver and each connector stays, the others failed (the new constraints).
    seen_users, seen_connectors = set(), set()
    for session in sessions.filter(status__in=PENDING).order_by("-start_time", "-pk"):
        if session.user_id in seen_users or session.connector_id in seen_connectors:
            session.status = "FAILED"
            session.status_reason = REPLACED
            session.end_time = session.start_time
            session.save(update_fields=["status", "status_reason", "end_time"])
            continue
        if session.user_id is not None:
            seen_users.add(session.user_id)
        if session.connector_id is not None:
            seen_connectors.add(session.connector_id)


def backwards(apps, schema_editor):
    sessions = apps.get_model("chargepoints", "ChargingSession").objects.all()
    sessions.filter(status="TIMED_OUT").update(status="TIMEOUT")
    sessions.filter(
        status__in=("REQUESTED", "STARTING", "CHARGING", "SUSPENDED", "FINISHING")
    ).update(status="ACTIVE")


def checks_now(apps, schema_editor):
    # PostgreSQL refuses to build an index on a table with deferred foreign key
    # checks pending from the rows changed above in this same transaction.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("chargepoints", "0015_sync_timestamps"),
    ]

    operations = [
        migrations.AlterField(
            model_name="chargingsession",
            name="status",
            field=models.CharField(
                choices=[
                    ("REQUESTED", "Requested"),
                    ("STARTING", "Starting"),
                    ("CHARGING", "Charging"),
                    ("SUSPENDED", "Suspended"),
                    ("FINISHING", "Finishing"),
                    ("COMPLETED", "Completed"),
                    ("FAILED", "Failed"),
                    ("TIMED_OUT", "Timed out"),
                ],
                default="REQUESTED",
                max_length=10,
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(checks_now, checks_now),
        migrations.AddConstraint(
            model_name="chargingsession",
            constraint=models.UniqueConstraint(
                condition=Q(status__in=PENDING),
                fields=("connector",),
                name="session_one_pending_per_connector",
            ),
        ),
        migrations.AddConstraint(
            model_name="chargingsession",
            constraint=models.UniqueConstraint(
                condition=Q(status__in=PENDING),
                fields=("user",),
                name="session_one_pending_per_user",
            ),
        ),
    ]

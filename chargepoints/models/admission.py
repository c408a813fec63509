"""What admitting chargers needs to remember across server processes."""

from django.db import models


class ServerProcess(models.Model):
    """A server process that holds charger connections, alive while its heartbeat is fresh.

    A charger counts as connected only while the process holding its
    connection lives: a crashed process leaves no one to clear the flag, so
    the survivors clear it for it once its heartbeat ages.
    """

    process_id = models.CharField(max_length=32, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "server process"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.hostname or '?'} pid {self.pid} ({self.process_id[:8]})"


class ChargerLockout(models.Model):
    """Failed charger logins from one charge point id or one client address.

    After a few failures each further one locks the key out for twice as long
    as the last, so guessing a charger's password takes years, while a
    charger with a stale password keeps retrying and gets in once fixed.
    """

    class Kind(models.TextChoices):
        CHARGEPOINT = "chargepoint", "Charge point id"
        ADDRESS = "address", "Client address"

    kind = models.CharField(max_length=11, choices=Kind.choices)
    key = models.CharField(max_length=255)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "charger lock-out"
        ordering = ["-last_failure_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="charger_lockout_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

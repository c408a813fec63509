from django.db import models


class MessageDirection(models.TextChoices):
    """Seed 003 MessageDirection: seen from the CSMS."""

    INBOUND = "INBOUND", "In (charger to CSMS)"
    OUTBOUND = "OUTBOUND", "Out (CSMS to charger)"


class MessageType(models.IntegerChoices):
    """OCPP-J MessageTypeId (OCPP-J 1.6 §4.1.3, 2.0.1 part 4 §4.1.3)."""

    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4

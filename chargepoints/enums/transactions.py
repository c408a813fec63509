"""Transactions, charging sessions and reservations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransactionStatus(models.TextChoices):
    """Seed 003 TransactionStatus."""

    ACTIVE = "ACTIVE", "Active"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"
    CANCELED = "CANCELED", "Canceled"


class StopReason(models.TextChoices):
    """Why a transaction stopped: OCPP 1.6 Reason plus 2.0.1 ReasonEnumType."""

    DE_AUTHORIZED = "DeAuthorized"
    EMERGENCY_STOP = "EmergencyStop"
    ENERGY_LIMIT_REACHED = "EnergyLimitReached"
    EV_DISCONNECTED = "EVDisconnected"
    GROUND_FAULT = "GroundFault"
    HARD_RESET = "HardReset"
    IMMEDIATE_RESET = "ImmediateReset"
    LOCAL = "Local"
    LOCAL_OUT_OF_CREDIT = "LocalOutOfCredit"
    MASTER_PASS = "MasterPass"
    OTHER = "Other"
    OVERCURRENT_FAULT = "OvercurrentFault"
    POWER_LOSS = "PowerLoss"
    POWER_QUALITY = "PowerQuality"
    REBOOT = "Reboot"
    REMOTE = "Remote"
    SOC_LIMIT_REACHED = "SOCLimitReached"
    SOFT_RESET = "SoftReset"
    STOPPED_BY_EV = "StoppedByEV"
    TIME_LIMIT_REACHED = "TimeLimitReached"
    TIMEOUT = "Timeout"
    UNLOCK_COMMAND = "UnlockCommand"


class ChargingState(models.TextChoices):
    """OCPP 2.0.1 ChargingStateEnumType (seed 004 charging_state)."""

    CHARGING = "Charging"
    EV_CONNECTED = "EVConnected"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    IDLE = "Idle"


class TriggerReason(models.TextChoices):
    """OCPP 2.0.1 TriggerReasonEnumType (seed 004 trigger_reason)."""

    AUTHORIZED = "Authorized"
    CABLE_PLUGGED_IN = "CablePluggedIn"
    CHARGING_RATE_CHANGED = "ChargingRateChanged"
    CHARGING_STATE_CHANGED = "ChargingStateChanged"
    DEAUTHORIZED = "Deauthorized"
    ENERGY_LIMIT_REACHED = "EnergyLimitReached"
    EV_COMMUNICATION_LOST = "EVCommunicationLost"
    EV_CONNECT_TIMEOUT = "EVConnectTimeout"
    METER_VALUE_CLOCK = "MeterValueClock"
    METER_VALUE_PERIODIC = "MeterValuePeriodic"
    TIME_LIMIT_REACHED = "TimeLimitReached"
    TRIGGER = "Trigger"
    UNLOCK_COMMAND = "UnlockCommand"
    STOP_AUTHORIZED = "StopAuthorized"
    EV_DEPARTED = "EVDeparted"
    EV_DETECTED = "EVDetected"
    REMOTE_STOP = "RemoteStop"
    REMOTE_START = "RemoteStart"
    ABNORMAL_CONDITION = "AbnormalCondition"
    SIGNED_DATA_RECEIVED = "SignedDataReceived"
    RESET_COMMAND = "ResetCommand"


class SessionStatus(models.TextChoices):
    """Where a driver's charging is, moved only by what happens (never by a read).

    - REQUESTED: recorded; the remote start is not yet in the hands of the
      charger's connection.
    - STARTING: the connection holding the charger took the remote start
      (handed over, answered or not), or the charger accepted it; waiting for
      the charger to start a transaction (the car to be plugged in).
    - CHARGING: the charger started the transaction (1.6 StartTransaction,
      2.0.1 TransactionEvent Started, matched by remoteStartId or by tag and
      connector), or reports charging again (1.6 connector status Charging,
      2.0.1 chargingState Charging).
    - SUSPENDED: the charger reports the transaction paused (SuspendedEV or
      SuspendedEVSE, as a 1.6 connector status or a 2.0.1 chargingState).
    - FINISHING: the charger accepted a remote stop, or its connector reports
      Finishing (1.6), or EVConnected/Idle after charging (2.0.1), while the
      transaction is still open.
    - COMPLETED: the transaction ended (the charger's stop, or the CSMS's close).
    - FAILED: the charger refused the remote start, did not answer it in
      time, or was offline; or the driver canceled the start while it was
      waiting (status_reason "Canceled by the driver.").
    - TIMED_OUT: the charger started no transaction within
      CSMS_SESSION_START_TIMEOUT (decided by the periodic sweep).
    """

    REQUESTED = "REQUESTED", _("Requested")
    STARTING = "STARTING", _("Starting")
    CHARGING = "CHARGING", _("Charging")
    SUSPENDED = "SUSPENDED", _("Suspended")
    FINISHING = "FINISHING", _("Finishing")
    COMPLETED = "COMPLETED", _("Completed")
    FAILED = "FAILED", _("Failed")
    TIMED_OUT = "TIMED_OUT", _("Timed out")


# Waiting for the charger to start a transaction: one per connector and per driver.
SESSION_PENDING = (SessionStatus.REQUESTED, SessionStatus.STARTING)
# Not over yet (every status but the three final ones).
SESSION_OPEN = (
    SessionStatus.REQUESTED,
    SessionStatus.STARTING,
    SessionStatus.CHARGING,
    SessionStatus.SUSPENDED,
    SessionStatus.FINISHING,
)


class ReservationStatus(models.TextChoices):
    """Seed 003 ReservationStatus."""

    ACTIVE = "ACTIVE", "Active"
    COMPLETED = "COMPLETED", "Completed"
    CANCELED = "CANCELED", "Canceled"
    EXPIRED = "EXPIRED", "Expired"

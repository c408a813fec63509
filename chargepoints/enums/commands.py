"""Commands sent to chargers and what became of them."""

from django.db import models


class CommandName(models.TextChoices):
    """What an operator, an app or a script can ask a charger to do.

    Names are version-neutral; the gateway maps each to the action of the
    charger's negotiated OCPP version, or refuses it before anything is sent.
    """

    REMOTE_START = "remote_start", "Remote start"
    REMOTE_STOP = "remote_stop", "Remote stop"
    RESET = "reset", "Reset"
    UNLOCK_CONNECTOR = "unlock_connector", "Unlock connector"
    CHANGE_AVAILABILITY = "change_availability", "Change availability"
    GET_CONFIGURATION = "get_configuration", "Get configuration"
    CHANGE_CONFIGURATION = "change_configuration", "Change configuration"
    GET_VARIABLES = "get_variables", "Get variables"
    SET_VARIABLES = "set_variables", "Set variables"
    GET_BASE_REPORT = "get_base_report", "Get base report"
    GET_REPORT = "get_report", "Get custom report"
    TRIGGER_MESSAGE = "trigger_message", "Trigger message"
    CLEAR_CACHE = "clear_cache", "Clear authorization cache"
    DATA_TRANSFER = "data_transfer", "Data transfer"
    SET_CHARGING_PROFILE = "set_charging_profile", "Set charging profile"
    CLEAR_CHARGING_PROFILE = "clear_charging_profile", "Clear charging profile"
    GET_CHARGING_PROFILES = "get_charging_profiles", "Get charging profiles"
    GET_COMPOSITE_SCHEDULE = "get_composite_schedule", "Get composite schedule"
    RESERVE_NOW = "reserve_now", "Reserve now"
    CANCEL_RESERVATION = "cancel_reservation", "Cancel reservation"
    SEND_LOCAL_LIST = "send_local_list", "Send local list"
    GET_LOCAL_LIST_VERSION = "get_local_list_version", "Get local list version"
    UPDATE_FIRMWARE = "update_firmware", "Update firmware"
    GET_DIAGNOSTICS = "get_diagnostics", "Get diagnostics"
    GET_LOG = "get_log", "Get log"
    GET_TRANSACTION_STATUS = "get_transaction_status", "Get transaction status"
    SET_CURRENT_LIMIT = "set_current_limit", "Set current limit"
    SET_LED_BRIGHTNESS = "set_led_brightness", "Set LED brightness"
    # A new Basic auth password for the charger (security profiles 1 and 2),
    # stored as its credential once the charger accepted it.
    SET_PASSWORD = "set_password", "Set charger password"


class CommandRefusal(models.TextChoices):
    """Why a charger refused a command, as the gateway read its answer: what a
    roaming partner is told (OCPI CommandResultType) without reading OCPP."""

    OCCUPIED = "occupied", "Occupied"
    INOPERATIVE = "inoperative", "Faulted or unavailable"
    FAILED = "failed", "Tried and failed"
    NOT_SUPPORTED = "not_supported", "Not supported by the charger"
    UNKNOWN_RESERVATION = "unknown_reservation", "No such reservation"


class CommandStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    TIMED_OUT = "timed_out", "Timed out"
    CHARGER_OFFLINE = "charger_offline", "Charger offline"


# A command in one of these states will not change any more (a late answer
# to a timed-out command is kept, but the status stays).
COMMAND_FINAL_STATUSES = frozenset(
    {
        CommandStatus.ACCEPTED,
        CommandStatus.REJECTED,
        CommandStatus.FAILED,
        CommandStatus.TIMED_OUT,
        CommandStatus.CHARGER_OFFLINE,
    }
)


class CommandSource(models.TextChoices):
    API = "api", "REST API"
    ADMIN = "admin", "Admin"
    CLI = "cli", "Management command"
    OCPI = "ocpi", "OCPI partner"

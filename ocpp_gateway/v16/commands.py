"""Commands as OCPP 1.6 calls (with the security extension), and their answers read back."""

import json

from chargepoints.commands import CommandInvalid
from chargepoints.commands.security import ROTATION_ONLY
from chargepoints.enums import ChargingProfilePurpose
from chargepoints.enums import CommandName as C
from chargepoints.services.command_effects import CommandAnswer
from chargepoints.services.connectors import ConnectorsReported
from chargepoints.services.events import VariableValue
from ocpp_gateway.command_tools import (
    compact,
    firmware_request,
    log_request,
    needs,
    refusal_of,
    schedule_periods,
    status_in,
)
from ocpp_gateway.credentials import REDACTED, names_alike
from ocpp_gateway.v16.handlers.common import v16_status

VERSION = "1.6"
# OCPP 1.6 security whitepaper ed. 3: the charger's Basic auth password.
AUTHORIZATION_KEY = "AuthorizationKey"
ID_TAG_MAX_LENGTH = 20
# OCPP 1.6 §6.51 TriggerMessage.req: MessageTrigger.
TRIGGERS = frozenset(
    {
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
    }
)
_PURPOSES = {
    ChargingProfilePurpose.CHARGE_POINT_MAX_PROFILE: "ChargePointMaxProfile",
    ChargingProfilePurpose.CHARGING_STATION_MAX_PROFILE: "ChargePointMaxProfile",
    ChargingProfilePurpose.TX_DEFAULT_PROFILE: "TxDefaultProfile",
    ChargingProfilePurpose.TX_PROFILE: "TxProfile",
}


def _id_tag(value: str, field: str = "id_tag") -> str:
    if len(value) > ID_TAG_MAX_LENGTH:
        raise CommandInvalid({field: ["OCPP 1.6 id tags are at most 20 characters."]})
    return value


def _purpose(value: str) -> str:
    if value not in _PURPOSES:
        raise CommandInvalid({"purpose": [f"OCPP 1.6 has no {value}."]})
    return _PURPOSES[value]


def remote_start(p):
    return "RemoteStartTransaction", compact(
        connectorId=p.get("connector_id"), idTag=_id_tag(p["id_tag"])
    )


def remote_stop(p):
    # In 1.6 the transaction id is ours: we gave it in StartTransaction.conf.
    return "RemoteStopTransaction", {"transactionId": p["transaction_id"]}


def reset(p):
    if p.get("evse_id"):
        raise CommandInvalid(
            {"evse_id": ["OCPP 1.6 resets the whole charge point; one EVSE needs OCPP 2.0.1."]}
        )
    return "Reset", {"type": "Hard" if p["type"] == "hard" else "Soft"}


def unlock(p):
    return "UnlockConnector", {"connectorId": p["connector_id"]}


def availability(p):
    return "ChangeAvailability", {"connectorId": p.get("connector_id") or 0, "type": p["type"]}


def get_configuration(p):
    return "GetConfiguration", compact(key=p["keys"] or None)


def change_configuration(p):
    # A password the charger accepted here would be its credential without the
    # CSMS knowing it: the charger would be refused at its next connection.
    # Keys are CiString50Type, compared ignoring case (OCPP 1.6 §6.9); the
    # form lets only printable ASCII through, and look-alikes a lenient
    # charger might fold to the key are refused here too.
    if names_alike(p["key"], AUTHORIZATION_KEY):
        raise CommandInvalid({"key": [ROTATION_ONLY]})
    return "ChangeConfiguration", {"key": p["key"], "value": p["value"]}


def set_password(p):
    # OCPP 1.6 security whitepaper ed. 3, AuthorizationKey: the value is the
    # hexadecimal representation of the password's bytes; the charger presents
    # the bytes themselves in its Basic auth header (OCTT TC_085_CS).
    return "ChangeConfiguration", {
        "key": AUTHORIZATION_KEY,
        "value": p["password"].encode().hex(),
    }


def trigger(p):
    if p["requested_message"] not in TRIGGERS:
        raise CommandInvalid(
            {"requested_message": [f"OCPP 1.6 triggers one of: {', '.join(sorted(TRIGGERS))}."]}
        )
    return "TriggerMessage", compact(
        requestedMessage=p["requested_message"], connectorId=p.get("connector_id") or None
    )


def data_transfer(p):
    data = p.get("data")
    # 1.6 DataTransfer data is text; structured data travels as JSON text.
    if data is not None and not isinstance(data, str):
        data = json.dumps(data, separators=(",", ":"))
    return "DataTransfer", compact(
        vendorId=p["vendor_id"], messageId=p.get("message_id"), data=data
    )


def set_profile(p):
    schedule = compact(
        duration=p.get("duration"),
        startSchedule=p.get("start_schedule"),
        chargingRateUnit=p["charging_rate_unit"],
        chargingSchedulePeriod=schedule_periods(p),
        minChargingRate=p.get("min_charging_rate"),
    )
    profile = compact(
        chargingProfileId=p["charging_profile_id"],
        transactionId=p.get("transaction_id"),
        stackLevel=p["stack_level"],
        chargingProfilePurpose=_purpose(p["purpose"]),
        chargingProfileKind=p["kind"],
        recurrencyKind=p.get("recurrency_kind"),
        validFrom=p.get("valid_from"),
        validTo=p.get("valid_to"),
        chargingSchedule=schedule,
    )
    return "SetChargingProfile", {
        "connectorId": p.get("connector_id") or 0,
        "csChargingProfiles": profile,
    }


def clear_profile(p):
    return "ClearChargingProfile", compact(
        id=p.get("charging_profile_id"),
        connectorId=p.get("connector_id"),
        chargingProfilePurpose=_purpose(p["purpose"]) if p.get("purpose") else None,
        stackLevel=p.get("stack_level"),
    )


def composite_schedule(p):
    return "GetCompositeSchedule", compact(
        connectorId=p.get("connector_id") or 0,
        duration=p["duration"],
        chargingRateUnit=p.get("charging_rate_unit"),
    )


def reserve(p):
    return "ReserveNow", compact(
        connectorId=p.get("connector_id") or 0,
        expiryDate=p["expiry_date"],
        idTag=_id_tag(p["id_tag"]),
        parentIdTag=p.get("parent_id_tag")
        if len(p.get("parent_id_tag") or "") <= ID_TAG_MAX_LENGTH
        else None,
        reservationId=p["reservation_id"],
    )


def cancel_reservation(p):
    return "CancelReservation", {"reservationId": p["reservation_id"]}


def local_list(p):
    entries = []
    for entry in p["entries"]:
        status = v16_status(entry["status"])
        parent = entry.get("parent_id_tag")
        info = compact(
            status=status,
            expiryDate=entry.get("expiry_date"),
            parentIdTag=parent if parent and len(parent) <= ID_TAG_MAX_LENGTH else None,
        )
        entries.append({"idTag": _id_tag(entry["id_tag"], "id_tags"), "idTagInfo": info})
    # §5.15: in a differential update, an entry without idTagInfo is removed.
    entries += [{"idTag": _id_tag(entry["id_tag"], "remove")} for entry in p["remove"]]
    return "SendLocalList", {
        "listVersion": p["list_version"],
        "updateType": p["update_type"],
        "localAuthorizationList": entries,
    }


def update_firmware(p):
    if p.get("signing_certificate") or p.get("signature"):
        # The 1.6 security extension's signed update (Improved security for OCPP 1.6-J §3).
        if not (p.get("signing_certificate") and p.get("signature")):
            raise CommandInvalid(
                {"signature": ["A signed update needs both signing_certificate and signature."]}
            )
        return "SignedUpdateFirmware", firmware_request(p)
    if p.get("install_date"):
        raise CommandInvalid(
            {"install_date": ["OCPP 1.6 sets an install date only on a signed update."]}
        )
    return "UpdateFirmware", compact(
        location=p["location"],
        retrieveDate=p["retrieve_date"],
        retries=p.get("retries"),
        retryInterval=p.get("retry_interval"),
    )


def diagnostics(p):
    return "GetDiagnostics", compact(
        location=p["location"],
        startTime=p.get("start_time"),
        stopTime=p.get("stop_time"),
        retries=p.get("retries"),
        retryInterval=p.get("retry_interval"),
    )


def get_log(p):
    return "GetLog", log_request(p)


BUILDERS = {
    C.REMOTE_START: remote_start,
    C.REMOTE_STOP: remote_stop,
    C.RESET: reset,
    C.UNLOCK_CONNECTOR: unlock,
    C.CHANGE_AVAILABILITY: availability,
    C.GET_CONFIGURATION: get_configuration,
    C.CHANGE_CONFIGURATION: change_configuration,
    C.SET_PASSWORD: set_password,
    C.TRIGGER_MESSAGE: trigger,
    C.CLEAR_CACHE: lambda p: ("ClearCache", {}),
    C.DATA_TRANSFER: data_transfer,
    C.SET_CHARGING_PROFILE: set_profile,
    C.SET_CURRENT_LIMIT: set_profile,
    C.CLEAR_CHARGING_PROFILE: clear_profile,
    C.GET_COMPOSITE_SCHEDULE: composite_schedule,
    C.RESERVE_NOW: reserve,
    C.CANCEL_RESERVATION: cancel_reservation,
    C.SEND_LOCAL_LIST: local_list,
    C.GET_LOCAL_LIST_VERSION: lambda p: ("GetLocalListVersion", {}),
    C.UPDATE_FIRMWARE: update_firmware,
    C.GET_DIAGNOSTICS: diagnostics,
    C.GET_LOG: get_log,
}
# What 1.6 chargers do instead of the 2.0.1-only commands.
_INSTEAD = {
    C.GET_VARIABLES: "get_configuration",
    C.SET_VARIABLES: "change_configuration",
    C.GET_BASE_REPORT: "get_configuration",
    C.GET_REPORT: "get_configuration",
    C.SET_LED_BRIGHTNESS: "change_configuration with the vendor's key",
}


def build(name: str, params: dict) -> tuple[str, dict]:
    if name not in BUILDERS:
        raise needs(name, VERSION, _INSTEAD.get(name, ""))
    return BUILDERS[name](params)


def read_answer(name: str, params: dict, response: dict) -> CommandAnswer:
    """Whether the charger accepted, and what its answer reports."""
    if name == C.GET_CONFIGURATION:
        values = tuple(
            VariableValue(
                variable=item["key"],
                value=_shown_value(item),
                readonly=item.get("readonly", False),
            )
            for item in response.get("configurationKey", [])
        )
        return CommandAnswer(accepted=True, values=values, connectors=_connectors(values))
    if name == C.GET_LOCAL_LIST_VERSION:
        return CommandAnswer(accepted=True, list_version=response["listVersion"])
    if name in (C.UPDATE_FIRMWARE, C.GET_DIAGNOSTICS) and "status" not in response:
        # UpdateFirmware.conf is empty and GetDiagnostics.conf holds at most a
        # file name: answering at all is accepting.
        return CommandAnswer(accepted=True)
    if name == C.SET_PASSWORD:
        # RebootRequired: taken, in use once the charger has rebooted; until
        # then it presents the old one (chargepoints.services.command_effects).
        return CommandAnswer(
            accepted=status_in(response, "Accepted", "RebootRequired"),
            after_reboot=status_in(response, "RebootRequired"),
        )
    accepted = {
        C.CHANGE_CONFIGURATION: ("Accepted", "RebootRequired"),
        C.CHANGE_AVAILABILITY: ("Accepted", "Scheduled"),
        C.UNLOCK_CONNECTOR: ("Unlocked",),
        C.GET_LOG: ("Accepted", "AcceptedCanceled"),
        # SignedUpdateFirmware: AcceptedCanceled = accepted, an earlier update canceled.
        C.UPDATE_FIRMWARE: ("Accepted", "AcceptedCanceled"),
    }.get(name, ("Accepted",))
    if status_in(response, *accepted):
        return CommandAnswer(accepted=True)
    return CommandAnswer(accepted=False, refusal=refusal_of(name, response))


def _is_password(item) -> bool:
    # OCPP 1.6 security whitepaper ed. 3: AuthorizationKey is write-only; a
    # charger that reports it anyway reports its credential: never stored or shown.
    return isinstance(item, dict) and names_alike(item.get("key"), AUTHORIZATION_KEY)


def _shown_value(item: dict) -> str:
    return REDACTED if _is_password(item) and item.get("value") else item.get("value", "")


# No call a 1.6 charger makes reports its password (GetConfiguration is ours).
REPORTS_SECRETS = frozenset()


def secrets_masked(payload):
    """A payload from the charger as it may be kept and logged: its password masked.

    A GetConfiguration answer that reports AuthorizationKey with a value;
    told by its shape, not its action (a late answer's action is not known
    until its command is found).
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("configurationKey"), list):
        return payload
    masked = [
        {**item, "value": REDACTED} if _is_password(item) and "value" in item else item
        for item in payload["configurationKey"]
    ]
    return {**payload, "configurationKey": masked}


def _connectors(values: tuple[VariableValue, ...]) -> ConnectorsReported | None:
    # OCPP 1.6 §9.1 NumberOfConnectors: "the number of physical charging
    # connectors of this Charge Point", the charger's own total.
    for item in values:
        if item.variable == "NumberOfConnectors":
            try:
                count = int(item.value)
            except ValueError:
                return None
            return ConnectorsReported(count=count, complete=True) if count > 0 else None
    return None

"""Commands as OCPP 2.0.1 calls, and their answers read back (2.1 chargers get the same)."""

import json

from chargepoints.commands import CommandInvalid
from chargepoints.commands.security import ROTATION_ONLY
from chargepoints.enums import ChargingProfilePurpose
from chargepoints.enums import CommandName as C
from chargepoints.services.command_effects import CommandAnswer
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
from ocpp_gateway.v201.password_variable import (
    PASSWORD_VARIABLE,
    REPORTS_SECRETS,  # noqa: F401 (read by the adapter from here)
    is_password,
    secrets_masked,
)

VERSION = "2.0.1"
# OCPP 2.0.1 MessageTriggerEnumType.
TRIGGERS = frozenset(
    {
        "BootNotification",
        "LogStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "SignChargingStationCertificate",
        "SignV2GCertificate",
        "StatusNotification",
        "TransactionEvent",
        "SignCombinedCertificate",
        "PublishFirmwareStatusNotification",
    }
)
_PURPOSES = {
    ChargingProfilePurpose.CHARGE_POINT_MAX_PROFILE: "ChargingStationMaxProfile",
    ChargingProfilePurpose.CHARGING_STATION_MAX_PROFILE: "ChargingStationMaxProfile",
    ChargingProfilePurpose.CHARGING_STATION_EXTERNAL_CONSTRAINTS: (
        "ChargingStationExternalConstraints"
    ),
    ChargingProfilePurpose.TX_DEFAULT_PROFILE: "TxDefaultProfile",
    ChargingProfilePurpose.TX_PROFILE: "TxProfile",
}


ID_TOKEN_MAX_LENGTH = 36


def _token(value: str, token_type: str, field: str = "id_tag") -> dict:
    if len(value) > ID_TOKEN_MAX_LENGTH:
        raise CommandInvalid({field: [f"OCPP 2.0.1 id tokens are at most 36 characters: {value}"]})
    return {"idToken": value, "type": token_type}


def _group(parent: str | None) -> dict | None:
    # A group tag too long for 2.0.1 is left out, as the adapter's answers do.
    if not parent or len(parent) > ID_TOKEN_MAX_LENGTH:
        return None
    return _token(parent, "Central")


def _evse(p: dict, *, with_connector: bool = True) -> dict | None:
    if not p.get("connector_id"):
        return None
    return compact(
        id=p["evse_id"], connectorId=p.get("evse_connector_id") if with_connector else None
    )


def _component_variable(item: dict) -> tuple[dict, dict]:
    evse = None
    if item.get("evse_id"):
        evse = compact(id=item["evse_id"], connectorId=item.get("connector_id"))
    component = compact(name=item["component"], instance=item.get("component_instance"), evse=evse)
    variable = compact(name=item["variable"], instance=item.get("variable_instance"))
    return component, variable


def remote_start(p):
    return "RequestStartTransaction", compact(
        evseId=p.get("evse_id"),
        idToken=_token(p["id_tag"], p["id_tag_type"]),
        remoteStartId=p["remote_start_id"],
    )


def remote_stop(p):
    return "RequestStopTransaction", {"transactionId": p["charger_transaction_id"]}


def reset(p):
    return "Reset", compact(
        type="Immediate" if p["type"] == "hard" else "OnIdle", evseId=p.get("evse_id")
    )


def unlock(p):
    return "UnlockConnector", {"evseId": p["evse_id"], "connectorId": p["evse_connector_id"]}


def availability(p):
    return "ChangeAvailability", compact(operationalStatus=p["type"], evse=_evse(p))


def get_variables(p):
    data = []
    for item in p["variables"]:
        component, variable = _component_variable(item)
        data.append(
            {"attributeType": item["attribute_type"], "component": component, "variable": variable}
        )
    return "GetVariables", {"getVariableData": data}


def set_variables(p):
    data = []
    for item in p["variables"]:
        # A password accepted here would be a credential the CSMS does not know:
        # the charger would be refused at its next connection (A01.FR.02).
        if is_password(item["component"], item["variable"]):
            raise CommandInvalid({"variables": [ROTATION_ONLY]})
        component, variable = _component_variable(item)
        data.append(
            {
                "attributeType": item["attribute_type"],
                "attributeValue": item["value"],
                "component": component,
                "variable": variable,
            }
        )
    return "SetVariables", {"setVariableData": data}


def set_password(p):
    # A01.FR.02: the charger's Basic auth password is this variable;
    # A00.FR.205: sent as the text itself, not encoded.
    component, variable = PASSWORD_VARIABLE
    data = {"attributeType": "Actual", "attributeValue": p["password"]}
    data |= {"component": {"name": component}, "variable": {"name": variable}}
    return "SetVariables", {"setVariableData": [data]}


def base_report(p):
    return "GetBaseReport", {"requestId": p["request_id"], "reportBase": p["report_base"]}


def custom_report(p):
    wanted = []
    for item in p.get("variables") or []:
        component, variable = _component_variable(item)
        wanted.append({"component": component, "variable": variable})
    return "GetReport", compact(
        requestId=p["request_id"],
        componentCriteria=p.get("component_criteria") or None,
        componentVariable=wanted or None,
    )


def trigger(p):
    if p["requested_message"] not in TRIGGERS:
        raise CommandInvalid(
            {"requested_message": [f"OCPP 2.0.1 triggers one of: {', '.join(sorted(TRIGGERS))}."]}
        )
    return "TriggerMessage", compact(requestedMessage=p["requested_message"], evse=_evse(p))


def data_transfer(p):
    return "DataTransfer", compact(
        vendorId=p["vendor_id"], messageId=p.get("message_id"), data=p.get("data")
    )


def set_profile(p):
    schedule = compact(
        id=p["charging_profile_id"],
        startSchedule=p.get("start_schedule"),
        duration=p.get("duration"),
        chargingRateUnit=p["charging_rate_unit"],
        chargingSchedulePeriod=schedule_periods(p),
        minChargingRate=p.get("min_charging_rate"),
    )
    profile = compact(
        id=p["charging_profile_id"],
        stackLevel=p["stack_level"],
        chargingProfilePurpose=_PURPOSES[p["purpose"]],
        chargingProfileKind=p["kind"],
        recurrencyKind=p.get("recurrency_kind"),
        validFrom=p.get("valid_from"),
        validTo=p.get("valid_to"),
        # 2.0.1 K01.FR.03: a TxProfile names the charger's transaction id.
        transactionId=p.get("charger_transaction_id"),
        chargingSchedule=[schedule],
    )
    return "SetChargingProfile", {"evseId": p.get("evse_id") or 0, "chargingProfile": profile}


def clear_profile(p):
    criteria = compact(
        evseId=p.get("evse_id", 0) if "connector_id" in p else None,
        chargingProfilePurpose=_PURPOSES[p["purpose"]] if p.get("purpose") else None,
        stackLevel=p.get("stack_level"),
    )
    return "ClearChargingProfile", compact(
        chargingProfileId=p.get("charging_profile_id"), chargingProfileCriteria=criteria or None
    )


def get_profiles(p):
    criteria = compact(
        chargingProfilePurpose=_PURPOSES[p["purpose"]] if p.get("purpose") else None,
        stackLevel=p.get("stack_level"),
        chargingProfileId=p.get("charging_profile_ids"),
        chargingLimitSource=p.get("sources"),
    )
    # K09: evseId 0 asks for the station-wide profiles, no evseId for all of them.
    evse_id = p.get("evse_id", 0) if "connector_id" in p else None
    return "GetChargingProfiles", compact(
        requestId=p["request_id"], evseId=evse_id, chargingProfile=criteria
    )


def composite_schedule(p):
    return "GetCompositeSchedule", compact(
        duration=p["duration"],
        chargingRateUnit=p.get("charging_rate_unit"),
        evseId=p.get("evse_id") or 0,
    )


def reserve(p):
    return "ReserveNow", compact(
        id=p["reservation_id"],
        expiryDateTime=p["expiry_date"],
        idToken=_token(p["id_tag"], p["id_tag_type"]),
        evseId=p.get("evse_id"),
        groupIdToken=_group(p.get("parent_id_tag")),
    )


def cancel_reservation(p):
    return "CancelReservation", {"reservationId": p["reservation_id"]}


def local_list(p):
    entries = []
    for entry in p["entries"]:
        info = compact(
            status=entry["status"],
            cacheExpiryDateTime=entry.get("expiry_date"),
            groupIdToken=_group(entry.get("parent_id_tag")),
        )
        token = _token(entry["id_tag"], entry["id_tag_type"], "id_tags")
        entries.append({"idToken": token, "idTokenInfo": info})
    # 2.0.1 D01: in a differential update, an entry without idTokenInfo is removed.
    entries += [{"idToken": _token(e["id_tag"], e["id_tag_type"], "remove")} for e in p["remove"]]
    return "SendLocalList", compact(
        versionNumber=p["list_version"],
        updateType=p["update_type"],
        localAuthorizationList=entries or None,
    )


def update_firmware(p):
    return "UpdateFirmware", firmware_request(p)


def get_log(p):
    return "GetLog", log_request(p)


def transaction_status(p):
    return "GetTransactionStatus", compact(transactionId=p.get("charger_transaction_id"))


BUILDERS = {
    C.REMOTE_START: remote_start,
    C.REMOTE_STOP: remote_stop,
    C.RESET: reset,
    C.UNLOCK_CONNECTOR: unlock,
    C.CHANGE_AVAILABILITY: availability,
    C.GET_VARIABLES: get_variables,
    C.SET_VARIABLES: set_variables,
    C.SET_LED_BRIGHTNESS: set_variables,
    C.SET_PASSWORD: set_password,
    C.GET_BASE_REPORT: base_report,
    C.GET_REPORT: custom_report,
    C.TRIGGER_MESSAGE: trigger,
    C.CLEAR_CACHE: lambda p: ("ClearCache", {}),
    C.DATA_TRANSFER: data_transfer,
    C.SET_CHARGING_PROFILE: set_profile,
    C.SET_CURRENT_LIMIT: set_profile,
    C.CLEAR_CHARGING_PROFILE: clear_profile,
    C.GET_CHARGING_PROFILES: get_profiles,
    C.GET_COMPOSITE_SCHEDULE: composite_schedule,
    C.RESERVE_NOW: reserve,
    C.CANCEL_RESERVATION: cancel_reservation,
    C.SEND_LOCAL_LIST: local_list,
    C.GET_LOCAL_LIST_VERSION: lambda p: ("GetLocalListVersion", {}),
    C.UPDATE_FIRMWARE: update_firmware,
    C.GET_LOG: get_log,
    C.GET_TRANSACTION_STATUS: transaction_status,
}
_INSTEAD = {
    C.GET_CONFIGURATION: "get_variables or get_base_report",
    C.CHANGE_CONFIGURATION: "set_variables",
    C.GET_DIAGNOSTICS: "get_log",
}


def build(name: str, params: dict) -> tuple[str, dict]:
    if name not in BUILDERS:
        raise needs(name, VERSION, _INSTEAD.get(name, ""))
    return BUILDERS[name](params)


def _reported(item: dict, value: str) -> VariableValue:
    component, variable = item["component"], item["variable"]
    evse = component.get("evse") or {}
    return VariableValue(
        component=component["name"],
        component_instance=component.get("instance", ""),
        evse_id=evse.get("id", 0),
        evse_connector_id=evse.get("connectorId", 0),
        variable=variable["name"],
        variable_instance=variable.get("instance", ""),
        attribute_type=item.get("attributeType", "Actual"),
        value=value,
    )


def _variable_key(item: dict) -> tuple:
    # A result names its variable as the request did: component with instance
    # and EVSE, variable with instance, attribute type.
    return (
        json.dumps(item["component"], sort_keys=True),
        json.dumps(item["variable"], sort_keys=True),
        item.get("attributeType", "Actual"),
    )


def read_answer(name: str, params: dict, response: dict) -> CommandAnswer:
    """Whether the charger accepted, and what its answer reports."""
    if name == C.GET_VARIABLES:
        values = tuple(
            _reported(result, str(result["attributeValue"]))
            for result in secrets_masked(response)["getVariableResult"]
            if result["attributeStatus"] == "Accepted" and "attributeValue" in result
        )
        return CommandAnswer(accepted=True, values=values)
    if name in (C.SET_VARIABLES, C.SET_LED_BRIGHTNESS):
        # B05: each variable has its own status; the command succeeded when all were set.
        results = response["setVariableResult"]
        sent = {_variable_key(item): item for item in set_variables(params)[1]["setVariableData"]}
        values = [
            _reported(result, sent[_variable_key(result)]["attributeValue"])
            for result in results
            if result["attributeStatus"] in ("Accepted", "RebootRequired")
            and _variable_key(result) in sent
        ]
        return CommandAnswer(accepted=len(values) == len(results) > 0, values=tuple(values))
    if name == C.SET_PASSWORD:
        # Taken, or taken for after a reboot (OCTT TC_A_09); never stored as a
        # configuration value: the password is a credential, not a setting.
        statuses = [result["attributeStatus"] for result in response["setVariableResult"]]
        return CommandAnswer(
            accepted=bool(statuses)
            and all(status in ("Accepted", "RebootRequired") for status in statuses),
            after_reboot="RebootRequired" in statuses,
        )
    if name == C.GET_LOCAL_LIST_VERSION:
        return CommandAnswer(accepted=True, list_version=response["versionNumber"])
    if name == C.GET_TRANSACTION_STATUS:
        return CommandAnswer(accepted=True)
    accepted = {
        C.RESET: ("Accepted", "Scheduled"),
        C.CHANGE_AVAILABILITY: ("Accepted", "Scheduled"),
        C.UNLOCK_CONNECTOR: ("Unlocked",),
        # Asking for a report of nothing, or profiles where none are installed,
        # is answered and done.
        C.GET_BASE_REPORT: ("Accepted", "EmptyResultSet"),
        C.GET_REPORT: ("Accepted", "EmptyResultSet"),
        C.GET_CHARGING_PROFILES: ("Accepted", "NoProfiles"),
        C.UPDATE_FIRMWARE: ("Accepted", "AcceptedCanceled"),
        C.GET_LOG: ("Accepted", "AcceptedCanceled"),
    }.get(name, ("Accepted",))
    if status_in(response, *accepted):
        return CommandAnswer(accepted=True)
    return CommandAnswer(accepted=False, refusal=refusal_of(name, response))

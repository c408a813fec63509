"""Helpers both versions' command translations share."""

from chargepoints.commands import CommandInvalid
from chargepoints.enums import CommandName as C
from chargepoints.enums import CommandRefusal as R


def compact(**fields) -> dict:
    """A payload without the optional fields that have no value."""
    return {key: value for key, value in fields.items() if value is not None}


def needs(name: str, version: str, instead: str = "") -> CommandInvalid:
    hint = f" Use {instead} instead." if instead else ""
    return CommandInvalid(
        {
            "command": [
                f"{name} is not part of OCPP {version}, which this charge point speaks.{hint}"
            ]
        }
    )


def status_in(response: dict, *accepted: str) -> bool:
    return response.get("status") in (accepted or ("Accepted",))


# Refusals that say why, the same words in both versions (1.6 §7.38
# ReservationStatus, §7.45 UnlockStatus, §7.9 CancelReservationStatus;
# 2.0.1 ReserveNowStatusEnumType, UnlockStatusEnumType,
# CancelReservationStatusEnumType). Any other refusal says nothing more.
_REFUSALS = {
    (C.RESERVE_NOW, "Occupied"): R.OCCUPIED,
    (C.RESERVE_NOW, "Faulted"): R.INOPERATIVE,
    (C.RESERVE_NOW, "Unavailable"): R.INOPERATIVE,
    (C.UNLOCK_CONNECTOR, "UnlockFailed"): R.FAILED,
    (C.UNLOCK_CONNECTOR, "NotSupported"): R.NOT_SUPPORTED,
    # "Rejected: reservation for the identifier has not been found" (both versions).
    (C.CANCEL_RESERVATION, "Rejected"): R.UNKNOWN_RESERVATION,
}
# A CALLERROR saying the charger does not have the command at all.
UNSUPPORTED_ERRORS = frozenset({"NotImplemented", "NotSupported"})


def refusal_of(name: str, response: dict) -> str:
    """Why the charger refused command ``name``, when its answer says (else "")."""
    return _REFUSALS.get((name, response.get("status")), "")


def schedule_periods(p: dict) -> list[dict]:
    """ChargingSchedulePeriod, the same in 1.6 and 2.0.1."""
    return [
        compact(
            startPeriod=period["start_period"],
            limit=period["limit"],
            numberPhases=period.get("number_phases"),
        )
        for period in p["periods"]
    ]


def log_request(p: dict) -> dict:
    """GetLog: the same in 2.0.1 and the 1.6 security extension."""
    return compact(
        logType=p["log_type"],
        requestId=p["request_id"],
        log=compact(
            remoteLocation=p["location"],
            oldestTimestamp=p.get("oldest_timestamp"),
            latestTimestamp=p.get("latest_timestamp"),
        ),
        retries=p.get("retries"),
        retryInterval=p.get("retry_interval"),
    )


def firmware_request(p: dict) -> dict:
    """2.0.1 UpdateFirmware, which the 1.6 security extension calls SignedUpdateFirmware."""
    firmware = compact(
        location=p["location"],
        retrieveDateTime=p["retrieve_date"],
        installDateTime=p.get("install_date"),
        signingCertificate=p.get("signing_certificate"),
        signature=p.get("signature"),
    )
    return compact(
        requestId=p["request_id"],
        firmware=firmware,
        retries=p.get("retries"),
        retryInterval=p.get("retry_interval"),
    )

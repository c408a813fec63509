"""Helpers both versions' command translations share."""

from chargepoints.commands import CommandInvalid


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

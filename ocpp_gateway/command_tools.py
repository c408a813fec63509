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

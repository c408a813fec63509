"""Commands Receiver interface (OCPI 2.2.1 commands §13.2.1): POST {commands}/{command}."""

from django.http import HttpRequest, JsonResponse

from billing.enums import CommandResponseType, CommandType
from billing.ocpi.auth import ocpi_endpoint
from billing.ocpi.command_objects import InvalidCommand, command_from_ocpi
from billing.ocpi.commands import CommandOutcome, ocpi_command_receive
from billing.ocpi.responses import (
    CLIENT_ERROR,
    SUCCESS,
    invalid_parameters,
    ocpi_response,
    request_json,
)


@ocpi_endpoint(methods=("POST",), module=True)
def command(request: HttpRequest, command: str) -> JsonResponse:
    if command not in CommandType.values:
        # Not one of the five CommandTypes (§13.4.3): no such resource here,
        # and NOT_SUPPORTED for a client that reads only the data.
        outcome = CommandOutcome(CommandResponseType.NOT_SUPPORTED, f"Unknown command {command}.")
        return ocpi_response(
            outcome.ocpi(), status_code=CLIENT_ERROR, message=outcome.message, http_status=404
        )
    body = request_json(request)
    try:
        parsed = command_from_ocpi(command, body)
    except InvalidCommand as error:
        raise invalid_parameters(str(error)) from None
    outcome = ocpi_command_receive(partner=request.ocpi_partner, body=parsed, request=body)
    message = outcome.message if outcome.status_code != SUCCESS and outcome.message else "Success"
    return ocpi_response(outcome.ocpi(), status_code=outcome.status_code, message=message)

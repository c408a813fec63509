"""Commands an eMSP sends to our chargers (OCPI 2.2.1 commands §13, Receiver interface).

Each one is answered at once with a CommandResponse (did we send it?) and
later with a CommandResult (what the charger made of it), POSTed to the
eMSP's ``response_url`` through the outbox (billing/ocpi/command_results.py).
The charger gets it through the command service like any other command
(source "ocpi"), so it is recorded, validated and translated for the
charger's OCPP version in one place.

A partner acts only on what is its own: tokens of its parties, sessions
charged with its tokens, reservations it made. Anything else is answered as
unknown, with the same words as what does not exist, so a partner learns
nothing about another partner's sessions or reservations.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.enums import CommandResponseType as Response
from billing.enums import CommandResultType as Result
from billing.enums import CommandType
from billing.models import OcpiAuthorization, OcpiCommand, OcpiPartner, PartnerToken
from billing.ocpi.command_objects import CommandBody
from billing.ocpi.command_results import ocpi_command_conclude, ocpi_command_finish
from billing.ocpi.locations import (
    Evse,
    evse_connector_find,
    evse_find,
    evse_status,
    location_evses,
)
from billing.ocpi.responses import SUCCESS, UNKNOWN_LOCATION
from billing.ocpi.selectors import ocpi_locations
from billing.ocpi.token_selectors import partner_parties
from billing.services.partner_tokens import (
    InvalidToken,
    ocpi_authorization_record,
    partner_token_upsert,
)
from chargepoints.commands import CommandInvalid
from chargepoints.commands.targets import iso
from chargepoints.enums import (
    COMMAND_FINAL_STATUSES,
    CommandName,
    CommandSource,
    PublicStatus,
    ReservationStatus,
    TransactionStatus,
)
from chargepoints.models import ChargePoint, Connector, Location, Transaction
from chargepoints.services.commands import command_request, command_supported


@dataclass(frozen=True)
class CommandOutcome:
    """Our answer at once: the CommandResponse (commands §13.3.2) and the envelope's status."""

    result: str
    message: str = ""
    status_code: int = SUCCESS

    def ocpi(self) -> dict:
        data: dict = {"result": self.result, "timeout": settings.CSMS_OCPI_COMMAND_TIMEOUT}
        if self.message:
            data["message"] = [{"language": "en", "text": self.message}]
        return data


class _Refused(Exception):
    def __init__(self, outcome: CommandOutcome):
        super().__init__(outcome.message)
        self.outcome = outcome


def _unknown_location(what: str) -> _Refused:
    # Commands §13.2 (the UNLOCK_CONNECTOR example): status 2003, REJECTED.
    return _Refused(CommandOutcome(Response.REJECTED, what, status_code=UNKNOWN_LOCATION))


@dataclass(frozen=True)
class _Target:
    chargepoint: ChargePoint
    connector: Connector | None  # None: the charger chooses (connector 0)


def _location(location_id: str) -> Location:
    # The locations partners see (billing/ocpi/selectors.py), read as the
    # Locations module shows them: an EVSE uid is found among a location's
    # own EVSEs, never by reading a charger id out of it.
    location = ocpi_locations().filter(pk=location_id).first()
    if location is None:
        raise _unknown_location("Unknown location.")
    return location


def _evse(location_id: str, evse_uid: str) -> Evse:
    evse = evse_find(_location(location_id), evse_uid)
    if evse is None:
        raise _unknown_location("Unknown EVSE at this location.")
    return evse


def _location_evses(location_id: str) -> list[Evse]:
    evses = location_evses(_location(location_id))
    if not evses:
        raise _unknown_location("This location has no EVSE.")
    return evses


def _connector(evse: Evse, connector_id: str) -> Connector:
    connector = evse_connector_find(evse, connector_id)
    if connector is None:
        raise _unknown_location("Unknown connector at this EVSE.")
    return connector


# The EVSE's public status (locations §8.4.22) that tells at once that a
# session or a reservation cannot start there; anything else the charger decides.
_AT_ONCE = {
    PublicStatus.CHARGING: (Result.EVSE_OCCUPIED, "The EVSE is in use."),
    PublicStatus.OUTOFORDER: (Result.EVSE_INOPERATIVE, "The EVSE is out of order."),
    PublicStatus.INOPERATIVE: (Result.EVSE_INOPERATIVE, "The EVSE is inoperative."),
}


def _where(body: CommandBody) -> tuple[_Target, tuple[str, str] | None]:
    """Where a START_SESSION or RESERVE_NOW goes, and the result it has at once, if any."""
    if body.evse_uid:
        evse = _evse(body.location_id, body.evse_uid)
        connector = _connector(evse, body.connector_id) if body.connector_id else evse.connectors[0]
        return _Target(evse.chargepoint, connector), _AT_ONCE.get(evse_status(evse))
    # Commands §13.3.5: without an EVSE the CPO may choose; an available one,
    # else the first, whose status then answers.
    evses = _location_evses(body.location_id)
    statuses = [evse_status(evse) for evse in evses]
    chosen = next(
        (
            evse
            for evse, status in zip(evses, statuses, strict=True)
            if status == PublicStatus.AVAILABLE
        ),
        None,
    )
    if chosen is None:
        return _Target(evses[0].chargepoint, None), _AT_ONCE.get(statuses[0])
    if body.type == CommandType.RESERVE_NOW:
        # OCPP connector 0: the charger keeps one of its connectors for the token.
        return _Target(chosen.chargepoint, None), None
    return _Target(chosen.chargepoint, chosen.connectors[0]), None


def _partner_token(partner: OcpiPartner, body: CommandBody) -> PartnerToken:
    """The command's token stored as the partner's (tokens §12), or a refusal.

    Commands §13.3.5: an eMSP "SHALL only use Tokens that are owned by this
    eMSP"; one of another party, or one we cannot hold for it, is REJECTED.
    """
    token = body.token
    if (token["country_code"], token["party_id"]) not in partner_parties(partner=partner):
        raise _Refused(CommandOutcome(Response.REJECTED, "The token is not of your parties."))
    if not token["valid"]:
        raise _Refused(CommandOutcome(Response.REJECTED, "The token is not valid."))
    try:
        # A copy older than the token the eMSP PUT or PATCHed since (its
        # whitelist, its validity) does not overwrite it.
        issued = partner_token_upsert(partner=partner, token=token, keep_newer=True)
    except InvalidToken as error:
        raise _Refused(CommandOutcome(Response.REJECTED, str(error))) from None
    if issued.id_tag.revoked:
        raise _Refused(CommandOutcome(Response.REJECTED, "The token is blocked here."))
    return issued


def _record(partner: OcpiPartner, body: CommandBody, request: dict, **fields) -> OcpiCommand:
    return OcpiCommand.objects.create(
        partner=partner,
        type=body.type,
        request=request,
        response_url=body.response_url,
        response=Response.ACCEPTED,
        **fields,
    )


def _finish_at_once(ocpi_command: OcpiCommand, result: str, message: str) -> CommandOutcome:
    ocpi_command_finish(ocpi_command=ocpi_command, result=result, message=message)
    return CommandOutcome(Response.ACCEPTED)


def _send(
    ocpi_command: OcpiCommand, *, chargepoint: ChargePoint, name: str, params: dict
) -> CommandOutcome:
    """Hand the command to the charger, without waiting for its answer.

    Sent outside any database transaction: the charger's connection, in
    whichever process, must find the command committed. A charger that is
    not connected gives a ``charger_offline`` command, answered ACCEPTED and
    then CommandResult EVSE_INOPERATIVE at once: the connected flag may be
    stale in a deployment of several processes, so trying to send is what
    tells, and either way the eMSP gets the spec's precise result
    (commands §13.4.2 "EVSE is currently inoperative") rather than a bare
    REJECTED, which reads as a refusal of its request or its token.
    """
    if not command_supported(chargepoint=chargepoint, name=name):
        OcpiCommand.objects.filter(pk=ocpi_command.pk).update(
            response=Response.NOT_SUPPORTED, finished_at=timezone.now()
        )
        return CommandOutcome(Response.NOT_SUPPORTED, "The charge point does not support it.")
    try:
        command = command_request(
            chargepoint_id=chargepoint.pk,
            name=name,
            params=params,
            source=CommandSource.OCPI,
            wait=0,
        )
    except CommandInvalid as error:
        OcpiCommand.objects.filter(pk=ocpi_command.pk).update(
            response=Response.REJECTED, result_message=str(error)[:255], finished_at=timezone.now()
        )
        return CommandOutcome(Response.REJECTED, str(error)[:255])
    OcpiCommand.objects.filter(pk=ocpi_command.pk).update(command=command)
    if command.status in COMMAND_FINAL_STATUSES:
        ocpi_command_conclude(ocpi_command=ocpi_command, command=command)
    return CommandOutcome(Response.ACCEPTED)


def _token_authorized(partner: OcpiPartner, body: CommandBody) -> PartnerToken:
    """The command's token, stored as the partner's, with the eMSP's yes recorded
    before the charger is asked: its StartTransaction is then accepted for this
    token and the session carries the reference (commands §13.3.5, sessions
    §9.3.1 authorization_reference)."""
    token = _partner_token(partner, body)
    ocpi_authorization_record(
        token=token,
        source=OcpiAuthorization.Source.COMMAND,
        allowed="ALLOWED",
        authorization_reference=body.authorization_reference,
        location_id=body.location_id,
        evse_uids=[body.evse_uid] if body.evse_uid else [],
    )
    return token


def _start_session(partner: OcpiPartner, body: CommandBody, request: dict) -> CommandOutcome:
    target, at_once = _where(body)
    with transaction.atomic():
        token = _token_authorized(partner, body)
        ocpi_command = _record(partner, body, request)
    if at_once is not None:
        return _finish_at_once(ocpi_command, *at_once)
    params = {"id_tag": token.id_tag.idToken}
    if target.connector is not None:
        params["connector_id"] = target.connector.connectorid
    return _send(
        ocpi_command, chargepoint=target.chargepoint, name=CommandName.REMOTE_START, params=params
    )


def _stop_session(partner: OcpiPartner, body: CommandBody, request: dict) -> CommandOutcome:
    tx = (
        Transaction.objects.filter(
            uuid=_uuid_or_none(body.session_id),
            transaction_status=TransactionStatus.ACTIVE,
            # Sessions charged with this partner's tokens only: another
            # partner's, or our own drivers', are as unknown as none at all.
            id_tag__ocpi_issuer__partner=partner,
        )
        .select_related("chargepoint")
        .first()
    )
    if tx is None:
        return CommandOutcome(Response.UNKNOWN_SESSION, "Unknown session.")
    ocpi_command = _record(partner, body, request)
    return _send(
        ocpi_command,
        chargepoint=tx.chargepoint,
        name=CommandName.REMOTE_STOP,
        params={"transaction_id": tx.pk},
    )


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _reserve_now(partner: OcpiPartner, body: CommandBody, request: dict) -> CommandOutcome:
    target, at_once = _where(body)
    if _partner_reservation(partner, body.reservation_id) is not None:
        # Commands §13.3.4 lets a RESERVE_NOW with a reservation_id in use
        # replace that reservation; our chargers are given ids we allocate
        # (never the eMSP's, §13.3.4), so a replacement is a cancel and a
        # new reservation, which the eMSP asks for as such.
        return CommandOutcome(
            Response.REJECTED,
            "This reservation_id is active: cancel it first (CANCEL_RESERVATION).",
        )
    with transaction.atomic():
        token = _token_authorized(partner, body)
        ocpi_command = _record(partner, body, request, ocpi_reservation_id=body.reservation_id)
    if at_once is not None:
        return _finish_at_once(ocpi_command, *at_once)
    params = {
        "id_tag": token.id_tag.idToken,
        "expiry_date": iso(body.expiry_date),
        "connector_id": target.connector.connectorid if target.connector else 0,
    }
    return _send(
        ocpi_command, chargepoint=target.chargepoint, name=CommandName.RESERVE_NOW, params=params
    )


def _partner_reservation(partner: OcpiPartner, reservation_id: str) -> OcpiCommand | None:
    """The partner's accepted RESERVE_NOW under ``reservation_id`` whose reservation is active.

    Only this partner's: the same reservation_id of another partner is another reservation.
    """
    return (
        OcpiCommand.objects.filter(
            partner=partner,
            type=CommandType.RESERVE_NOW,
            ocpi_reservation_id__iexact=reservation_id,
            result=Result.ACCEPTED,
            reservation__status=ReservationStatus.ACTIVE,
        )
        .select_related("reservation__chargepoint")
        .order_by("-created_at", "-pk")
        .first()
    )


def _cancel_reservation(partner: OcpiPartner, body: CommandBody, request: dict) -> CommandOutcome:
    reserved = _partner_reservation(partner, body.reservation_id)
    reservation = reserved.reservation if reserved is not None else None
    ocpi_command = _record(
        partner, body, request, ocpi_reservation_id=body.reservation_id, reservation=reservation
    )
    if reservation is None:
        return _finish_at_once(ocpi_command, Result.UNKNOWN_RESERVATION, "Unknown reservation.")
    return _send(
        ocpi_command,
        chargepoint=reservation.chargepoint,
        name=CommandName.CANCEL_RESERVATION,
        params={"reservation_id": reservation.reservation_id},
    )


def _unlock_connector(partner: OcpiPartner, body: CommandBody, request: dict) -> CommandOutcome:
    evse = _evse(body.location_id, body.evse_uid)
    connector = _connector(evse, body.connector_id)
    # Commands §13.4.3: UNLOCK_CONNECTOR is for a connector still locked
    # "after a transaction is stopped". Sent during one, it ends it (OCPP 1.6
    # §5.18: the charger stops the transaction first), so a partner may do
    # that to its own drivers' sessions only, as with STOP_SESSION; §13.4.1
    # REJECTED: "Session might not be from a customer of the eMSP".
    if (
        Transaction.objects.filter(connector=connector, transaction_status=TransactionStatus.ACTIVE)
        .exclude(id_tag__ocpi_issuer__partner=partner)
        .exists()
    ):
        return CommandOutcome(Response.REJECTED, "The connector is in a session that is not yours.")
    ocpi_command = _record(partner, body, request)
    return _send(
        ocpi_command,
        chargepoint=evse.chargepoint,
        name=CommandName.UNLOCK_CONNECTOR,
        params={"connector_id": connector.connectorid},
    )


_RUN = {
    CommandType.START_SESSION: _start_session,
    CommandType.STOP_SESSION: _stop_session,
    CommandType.RESERVE_NOW: _reserve_now,
    CommandType.CANCEL_RESERVATION: _cancel_reservation,
    CommandType.UNLOCK_CONNECTOR: _unlock_connector,
}


def ocpi_command_receive(
    *, partner: OcpiPartner, body: CommandBody, request: dict
) -> CommandOutcome:
    """Run a partner's validated command (``request``: its body as received) and say
    what to answer at once."""
    try:
        return _RUN[body.type](partner, body, request)
    except _Refused as refused:
        return refused.outcome

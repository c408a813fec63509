"""What changes when a charger accepts a command (called inside command_finish).

An answer that came late changes only the charger's password
(``command_late_effects_apply``, called by command_late_answer).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import IdTag
from chargepoints.enums import (
    AvailabilityType,
    ChargingProfilePurpose,
    CommandName,
    ReservationStatus,
    SecurityProfile,
)
from chargepoints.models import ChargePoint, ChargingProfile, Command, Reservation
from chargepoints.services.connections import chargepoint_set_password, password_hash
from chargepoints.services.connectors import ConnectorsReported
from chargepoints.services.events import VariableValue, configuration_store
from chargepoints.services.notices import notice_maintenance


@dataclass(frozen=True)
class CommandAnswer:
    """What the gateway read from a charger's answer, in no protocol's words."""

    accepted: bool
    # Why not, when the answer says (chargepoints.enums.CommandRefusal).
    refusal: str = ""
    # Taken, but in use only once the charger has rebooted (a new password).
    after_reboot: bool = False
    # Settings the answer reports (GetConfiguration, Get/SetVariables results).
    values: tuple[VariableValue, ...] = ()
    list_version: int | None = None
    # How many connectors the reported settings say the charger has.
    connectors: ConnectorsReported | None = None


def command_effects_apply(*, command: Command, answer: CommandAnswer) -> None:
    """The command's effect when accepted; settings the answer reports in any case.

    A SetVariables answer may accept some variables and reject others: the
    ones the charger did set are stored even though the command as a whole
    counts as rejected.
    """
    effect = _EFFECTS.get(command.name)
    if effect is not None and answer.accepted:
        effect(command, answer)
    if answer.values:
        configuration_store(
            chargepoint_id=command.chargepoint_id,
            values=answer.values,
            connectors=answer.connectors,
        )


def _reserve(command: Command, answer: CommandAnswer) -> None:
    params = command.params
    tag = IdTag.objects.filter(idToken=params["id_tag"]).first()
    Reservation.objects.update_or_create(
        reservation_id=params["reservation_id"],
        defaults={
            "chargepoint": command.chargepoint,
            "connector": command.connector,
            "user": tag.user if tag else None,
            "id_tag": tag,
            "start_time": command.answered_at,
            "expiry_date": parse_datetime(params["expiry_date"]),
            "status": ReservationStatus.ACTIVE,
        },
    )


def _cancel_reservation(command: Command, answer: CommandAnswer) -> None:
    Reservation.objects.filter(
        chargepoint=command.chargepoint,
        reservation_id=command.params["reservation_id"],
        status=ReservationStatus.ACTIVE,
    ).update(status=ReservationStatus.CANCELED, updated_at=timezone.now())


def _availability(command: Command, answer: CommandAnswer) -> None:
    new = command.params["type"]
    if new == AvailabilityType.INOPERATIVE:
        notice_maintenance(chargepoint=command.chargepoint, connector=command.connector)
    if command.params.get("connector_id"):
        if command.connector is not None:
            command.connector.availability_status = new
            command.connector.save(update_fields=["availability_status", "last_updated"])
        return
    # Connector 0 is the whole charge point and every connector on it (OCPP 1.6 §5.2).
    chargepoint = command.chargepoint
    chargepoint.availability_status = new
    chargepoint.save(update_fields=["availability_status", "last_updated"])
    chargepoint.connectors.update(availability_status=new)


def _install_profile(command: Command, answer: CommandAnswer) -> None:
    params = command.params
    ChargingProfile.objects.update_or_create(
        chargepoint=command.chargepoint,
        chargingprofile_id=params["charging_profile_id"],
        defaults={
            "name": f"{params['purpose']} {params['charging_profile_id']}",
            "connector": command.connector,
            "transaction": command.transaction,
            "stack_level": params["stack_level"],
            "chargingprofile_purpose": params["purpose"],
            "chargingprofile_kind": params["kind"],
            "recurrency_kind": params.get("recurrency_kind", ""),
            "valid_from": _when(params.get("valid_from")),
            "valid_to": _when(params.get("valid_to")),
            "duration": params.get("duration"),
            "start_schedule": _when(params.get("start_schedule")),
            "chargingschedule_id": params["charging_profile_id"],
            "charging_rate_unit": params["charging_rate_unit"],
            "chargingschedule_period": params["periods"],
            "min_charging_rate": params.get("min_charging_rate"),
        },
    )


def _current_limit(command: Command, answer: CommandAnswer) -> None:
    _install_profile(command, answer)
    if command.connector is not None:
        command.connector.current_limit = command.params["limit"]
        command.connector.save(update_fields=["current_limit", "last_updated"])


def _clear_profiles(command: Command, answer: CommandAnswer) -> None:
    params = command.params
    installed = ChargingProfile.objects.filter(chargepoint=command.chargepoint)
    # OCPP 1.6 §5.5 / 2.0.1 K10: an id clears that profile; otherwise every
    # profile matching all the given criteria.
    if "charging_profile_id" in params:
        installed = installed.filter(chargingprofile_id=params["charging_profile_id"])
    else:
        if params.get("connector_id"):
            installed = installed.filter(connector__connectorid=params["connector_id"])
        elif "connector_id" in params:
            installed = installed.filter(connector__isnull=True)
        if params.get("purpose"):
            installed = installed.filter(
                chargingprofile_purpose__in=_same_purpose(params["purpose"])
            )
        if params.get("stack_level") is not None:
            installed = installed.filter(stack_level=params["stack_level"])
    installed.delete()


# The station-wide maximum has a name per version (1.6 ChargePointMaxProfile,
# 2.0.1 ChargingStationMaxProfile); a charger clears it under either.
_MAX_PROFILE = {
    ChargingProfilePurpose.CHARGE_POINT_MAX_PROFILE,
    ChargingProfilePurpose.CHARGING_STATION_MAX_PROFILE,
}


def _same_purpose(purpose: str) -> set[str]:
    return _MAX_PROFILE if purpose in _MAX_PROFILE else {purpose}


def _configuration_changed(command: Command, answer: CommandAnswer) -> None:
    configuration_store(
        chargepoint_id=command.chargepoint_id,
        values=[VariableValue(variable=command.params["key"], value=command.params["value"])],
    )


def _local_list_sent(command: Command, answer: CommandAnswer) -> None:
    _local_list_version(command, command.params["list_version"])


def _local_list_version_read(command: Command, answer: CommandAnswer) -> None:
    if answer.list_version is not None:
        _local_list_version(command, answer.list_version)


def _local_list_version(command: Command, version: int) -> None:
    chargepoint = command.chargepoint
    chargepoint.local_list_version = version
    chargepoint.save(update_fields=["local_list_version", "last_updated"])


def _password_accepted(command: Command, answer: CommandAnswer) -> None:
    # OCPP 2.0.1 A01 (OCTT TC_A_09): the charger took the new password, and
    # from now on only it admits the charger. Any other answer leaves the old
    # one, which the charger still has (A01.FR.04). Hashed, and a charger on
    # profile 0 raised to 1: with a password it is admitted only with it.
    if answer.after_reboot:
        # RebootRequired: until it reboots the charger still presents the old
        # one, and refusing it would count failed logins towards a lock-out.
        # Both admit until the charger shows up with the new one, which then
        # becomes its password (chargepoints.services.admission).
        ChargePoint.objects.filter(pk=command.chargepoint_id).update(
            password_unconfirmed=_sent_hash(command)
        )
        return
    chargepoint_set_password(chargepoint=command.chargepoint, password=command.params["password"])


def _sent_hash(command: Command) -> str:
    # The rotation kept this very hash as the charger's unconfirmed password
    # (chargepoints.commands.security); a command prepared before it did so
    # has only the password.
    return command.params.get("password_hash") or password_hash(command.params["password"])


def command_late_effects_apply(*, command: Command, answer: CommandAnswer) -> None:
    """What an answer that came after the command timed out still changes: the password only.

    The charger's credential must be the password the charger has. A late
    acceptance of a new password makes it the charger's password, if it is
    still the one kept as unconfirmed (a later rotation may have sent
    another); a late refusal means the charger certainly does not have it.
    Nothing else a late answer says is applied: the caller was told the
    command timed out.
    """
    if command.name != CommandName.SET_PASSWORD:
        return
    # Masked by now: the hash is what is left to recognise the password by.
    sent = command.params.get("password_hash")
    if not sent:
        return
    unconfirmed = ChargePoint.objects.filter(pk=command.chargepoint_id, password_unconfirmed=sent)
    if not answer.accepted:
        unconfirmed.update(password_unconfirmed="", last_updated=timezone.now())
    elif not answer.after_reboot and unconfirmed.update(
        password=sent, password_unconfirmed="", last_updated=timezone.now()
    ):
        # As chargepoint_set_password does: with a password it is asked for.
        ChargePoint.objects.filter(
            pk=command.chargepoint_id, security_profile__lt=SecurityProfile.BASIC_AUTH
        ).update(security_profile=SecurityProfile.BASIC_AUTH)


def _when(value: str | None) -> datetime.datetime | None:
    return parse_datetime(value) if value else None


_EFFECTS = {
    CommandName.RESERVE_NOW: _reserve,
    CommandName.CANCEL_RESERVATION: _cancel_reservation,
    CommandName.CHANGE_AVAILABILITY: _availability,
    CommandName.SET_CHARGING_PROFILE: _install_profile,
    CommandName.SET_CURRENT_LIMIT: _current_limit,
    CommandName.CLEAR_CHARGING_PROFILE: _clear_profiles,
    CommandName.CHANGE_CONFIGURATION: _configuration_changed,
    CommandName.SEND_LOCAL_LIST: _local_list_sent,
    CommandName.GET_LOCAL_LIST_VERSION: _local_list_version_read,
    CommandName.SET_PASSWORD: _password_accepted,
}

"""Operators placing and describing sites: locations, charge points and their connectors.

What a charger reports about itself (status, firmware, connection) is not
written here: the charger's own messages keep those (services/boot.py,
services/status.py), or an edit would contradict it until its next message.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError

from chargepoints.models import ChargePoint, Connector, Location, Transaction
from chargepoints.services.connections import (
    chargepoint_set_password,
    chargepoint_terms,
    chargepoint_terms_enforce,
)


class InUse(Exception):
    """The record is referred to by billing records and must stay."""


# Stands for "leave the password as it is" where None means "remove it".
KEEP = object()
# A password set by hand (for a charger its installer configured) becomes
# the charger's credential as one the rotation gives it does: the same right.
# Interfaces check it (admin, API); these functions take whoever got past.
PASSWORD_RIGHT = "chargepoints.rotate_password"
PASSWORD_BY_HAND_REFUSED = (
    "Setting or removing a charger's password by hand needs the permission "
    f"{PASSWORD_RIGHT} (Can give a charger a new password)."
)


def _geolocation(coordinates: dict[str, float]) -> dict[str, str]:
    # OCPI 2.2.1 GeoLocation: decimal strings with 5 to 7 decimals.
    return {key: f"{float(coordinates[key]):.6f}" for key in ("latitude", "longitude")}


def _save(instance, fields: dict[str, Any], *, create: bool = False) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)
    # Model validators are the last word (e.g. OCPI coordinates), whoever calls.
    instance.full_clean(validate_unique=False, validate_constraints=False)
    # A new charge point names its own primary key: without force_insert a
    # taken id would silently overwrite the charger that has it.
    instance.save(force_insert=create)


@transaction.atomic
def location_create(*, fields: dict[str, Any]) -> Location:
    if "coordinates" in fields:
        fields = {**fields, "coordinates": _geolocation(fields["coordinates"])}
    location = Location()
    _save(location, fields, create=True)
    return location


@transaction.atomic
def location_update(*, location: Location, fields: dict[str, Any]) -> Location:
    if "coordinates" in fields:
        fields = {**fields, "coordinates": _geolocation(fields["coordinates"])}
    _save(location, fields)
    return location


def location_delete(*, location: Location) -> None:
    """Its charge points stay, unplaced; its CDRs keep their snapshot of it."""
    _delete(location)


@transaction.atomic
def chargepoint_create(
    *, fields: dict[str, Any], password: str | None = None, hashed: str | None = None
) -> ChargePoint:
    """``hashed``: the password's hash when made already (chargepoint_set_password)."""
    if ChargePoint.objects.filter(pk=fields.get("chargepoint_id")).exists():
        raise ValidationError({"chargepoint_id": "A charge point with this id already exists."})
    chargepoint = ChargePoint()
    try:
        with transaction.atomic():
            _save(chargepoint, fields, create=True)
    except IntegrityError:
        raise ValidationError(
            {"chargepoint_id": "A charge point with this id already exists."}
        ) from None
    if password:
        chargepoint_set_password(chargepoint=chargepoint, password=password, hashed=hashed)
    return chargepoint


@transaction.atomic
def chargepoints_register(
    *, ids: Iterable[str], location: Location | None, name: str = "{id}"
) -> list[ChargePoint]:
    """The charge points with these ids, created where missing; known ones are kept as they are.

    ``name`` is a template of the new ones' names, e.g. "Simulated charger {id}".
    """
    ids = list(ids)
    ChargePoint.objects.bulk_create(
        [ChargePoint(chargepoint_id=i, name=name.format(id=i), location=location) for i in ids],
        ignore_conflicts=True,
    )
    return list(ChargePoint.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def chargepoint_update(
    *,
    chargepoint: ChargePoint,
    fields: dict[str, Any],
    password: Any = KEEP,
    hashed: str | None = None,
) -> ChargePoint:
    """``password``: a new one, "" or None to need none, KEEP to leave it.

    ``hashed``: the new password's hash when made already (chargepoint_set_password).
    """
    before = chargepoint_terms(chargepoint)
    fields = dict(fields)
    new_id = fields.pop("chargepoint_id", chargepoint.chargepoint_id)
    if new_id != chargepoint.chargepoint_id:
        # The id is the charger's identity on the wire (its WebSocket URL) and
        # the key its transactions and logs hang on.
        raise ValidationError({"chargepoint_id": "A charge point's id cannot be changed."})
    _save(chargepoint, fields)
    if password is not KEEP:
        chargepoint_set_password(chargepoint=chargepoint, password=password or None, hashed=hashed)
    chargepoint_terms_enforce(chargepoint=chargepoint, before=before)
    return chargepoint


def chargepoint_delete(*, chargepoint: ChargePoint) -> None:
    if Transaction.objects.filter(chargepoint=chargepoint).exists():
        raise InUse(
            "This charge point has transactions, which are billing records: it cannot be deleted."
        )
    _delete(chargepoint)


def _check_connector_numbers(*, connector: Connector) -> None:
    siblings = Connector.objects.filter(chargepoint=connector.chargepoint_id).exclude(
        pk=connector.pk
    )
    # Seed 002 / OCPP 1.6: connector ids number a charger's outlets, once each.
    if siblings.filter(connectorid=connector.connectorid).exists():
        raise ValidationError(
            {"connectorid": f"This charge point already has connector {connector.connectorid}."}
        )
    if connector.evse_connector_id is not None and connector.evse_id is None:
        raise ValidationError({"evse_id": "Required when evse_connector_id is given."})
    # OCPP 2.0.1 addresses an outlet as (EVSE id, connector id in the EVSE).
    if (
        connector.evse_id is not None
        and siblings.filter(
            evse_id=connector.evse_id, evse_connector_id=connector.evse_connector_id
        ).exists()
    ):
        raise ValidationError(
            {"evse_connector_id": "Another connector of this charge point has this EVSE address."}
        )


def _save_connector(*, connector: Connector, fields: dict[str, Any]) -> Connector:
    for name, value in fields.items():
        setattr(connector, name, value)
    connector.full_clean(validate_unique=False, validate_constraints=False)
    _check_connector_numbers(connector=connector)
    try:
        with transaction.atomic():
            connector.save()
    except IntegrityError:
        # Another request took the number between the check and the save.
        raise ValidationError(
            {"connectorid": "This connector id or EVSE address is already taken."}
        ) from None
    return connector


@transaction.atomic
def connector_create(*, chargepoint: ChargePoint, fields: dict[str, Any]) -> Connector:
    connector = Connector(chargepoint=chargepoint)
    return _save_connector(connector=connector, fields=fields)


@transaction.atomic
def connector_update(*, connector: Connector, fields: dict[str, Any]) -> Connector:
    return _save_connector(connector=connector, fields=fields)


def connector_delete(*, connector: Connector) -> None:
    if Transaction.objects.filter(connector=connector).exists():
        raise InUse(
            "This connector has transactions, which are billing records: it cannot be deleted."
        )
    _delete(connector)


def _delete(instance) -> None:
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as error:
        # A protecting reference that appeared after the check above, or one
        # added to the data model since.
        raise InUse(f"{instance} is still referred to and cannot be deleted.") from error

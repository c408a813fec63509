"""Resolving what a command is about: connectors, transactions, id tags, fresh ids."""

import datetime
import secrets

from django.core.exceptions import ValidationError

from accounts.enums import IdTokenType
from accounts.services import idtag_find
from chargepoints.enums import TransactionStatus
from chargepoints.models import ChargePoint, ChargingProfile, Connector, Reservation, Transaction


def iso(value: datetime.datetime) -> str:
    """A UTC RFC 3339 timestamp, as stored in parameters and sent to chargers."""
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_request_id() -> int:
    # OCPP request and reservation ids are integers the charger echoes in its
    # later reports; random 31-bit ids never repeat in practice and need no
    # counter shared between server processes.
    return secrets.randbelow(2**31 - 2) + 1


def connector_find(chargepoint: ChargePoint, connector_id: int) -> Connector | None:
    """The connector with this charger-wide number; ValidationError when it has none such.

    A charger that has not reported any connector yet may still be asked
    about connector N: it knows its outlets before we do.
    """
    connector = chargepoint.connectors.filter(connectorid=connector_id).first()
    if connector is None and chargepoint.connectors.exists():
        raise ValidationError(f"Charge point {chargepoint.pk} has no connector {connector_id}.")
    return connector


def connector_target(chargepoint: ChargePoint, connector_id: int | None) -> dict:
    """Connector number plus its 2.0.1 EVSE address (EVSE N, connector 1 when unknown)."""
    if not connector_id:
        return {"connector_id": 0}
    connector = connector_find(chargepoint, connector_id)
    evse_id = connector.evse_id if connector and connector.evse_id else connector_id
    evse_connector_id = (
        connector.evse_connector_id if connector and connector.evse_connector_id else 1
    )
    return {
        "connector_id": connector_id,
        "evse_id": evse_id,
        "evse_connector_id": evse_connector_id,
    }


def active_transaction(
    chargepoint: ChargePoint, *, transaction_id: int | None, connector_id: int | None
) -> Transaction:
    """The one active transaction meant; ValidationError naming why there is none."""
    active = chargepoint.transactions.filter(
        transaction_status=TransactionStatus.ACTIVE
    ).select_related("connector")
    if transaction_id is not None:
        found = active.filter(pk=transaction_id).first()
        if found is None:
            raise ValidationError(
                f"Transaction {transaction_id} is not active on charge point {chargepoint.pk}."
            )
        return found
    if connector_id:
        active = active.filter(connector__connectorid=connector_id)
    found = list(active[:2])
    where = f"connector {connector_id}" if connector_id else f"charge point {chargepoint.pk}"
    if not found:
        raise ValidationError(f"There is no active transaction on {where}.")
    if len(found) > 1:
        raise ValidationError(f"Several transactions are active on {where}: name one.")
    return found[0]


def transaction_target(tx: Transaction) -> dict:
    return {
        "transaction_id": tx.pk,
        "charger_transaction_id": tx.charger_transaction_id or str(tx.pk),
        "connector_id": tx.connector.connectorid if tx.connector else 0,
        "evse_id": (tx.connector.evse_id or tx.connector.connectorid) if tx.connector else 0,
    }


def idtag_target(id_tag: str, *, required_known: bool = False) -> dict:
    """The token and its type: the tag's own type when we know it, else Central."""
    tag = idtag_find(id_token=id_tag)
    if tag is None and required_known:
        raise ValidationError(f"Unknown id tag {id_tag!r}.")
    token_type = (tag.token_type if tag else "") or IdTokenType.CENTRAL
    target = {"id_tag": tag.idToken if tag else id_tag, "id_tag_type": token_type}
    if tag is not None and tag.parent_id_tag_id:
        target["parent_id_tag"] = tag.parent_id_tag_id
    return target


def new_reservation_id() -> int:
    while True:
        candidate = new_request_id()
        if not Reservation.objects.filter(reservation_id=candidate).exists():
            return candidate


def tx_profile_id(chargepoint: ChargePoint, transaction: Transaction) -> int:
    """The id of this transaction's TxProfile: the same one again, so a new limit replaces it.

    OCPP 1.6 §5.16.2 / 2.0.1 K01.FR.05: a profile with the id of an installed
    one replaces it.
    """
    existing = ChargingProfile.objects.filter(
        chargepoint=chargepoint, transaction=transaction
    ).first()
    if existing is not None:
        return existing.chargingprofile_id
    return profile_id_new(chargepoint)


def profile_id_new(chargepoint: ChargePoint) -> int:
    ids = ChargingProfile.objects.filter(chargepoint=chargepoint).values_list(
        "chargingprofile_id", flat=True
    )
    return max(ids, default=0) + 1

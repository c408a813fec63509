"""What a charger says about a transaction, in any version, and how it is applied.

A TransactionFacts is the version-neutral part of a start, an update or a
stop (1.6 StartTransaction / StopTransaction, 2.0.1 TransactionEvent); the
transaction services (chargepoints/services/transactions.py) apply it here.
"""

import datetime
import logging
from dataclasses import dataclass

from django.utils import timezone

from chargepoints.enums import ChargerEventKind, RegistrationStatus
from chargepoints.models import ChargePoint, ChargerEvent, Transaction
from chargepoints.services.authorization import (
    AuthResult,
    idtag_authorize,
    transaction_deauthorized,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransactionFacts:
    """What a charger may say about a running transaction, in any version."""

    charging_state: str = ""
    trigger_reason: str = ""
    seq_no: int | None = None
    number_of_phases_used: int | None = None
    id_token: str | None = None
    id_token_type: str = ""


# A message that says nothing more than its kind (the default of the services).
NO_FACTS = TransactionFacts()


def facts_authorize(
    facts: TransactionFacts, *, chargepoint: ChargePoint, **options
) -> AuthResult | None:
    """Authorize the token a message carried at ``chargepoint``; None when it carried none."""
    if facts.id_token is None and not facts.id_token_type:
        return None
    return idtag_authorize(
        id_token=facts.id_token or "",
        token_type=facts.id_token_type,
        charger_accepted=chargepoint_accepted(chargepoint),
        # Where it is presented: a roaming yes may hold at one location only.
        chargepoint_id=chargepoint.pk,
        **options,
    )


def chargepoint_accepted(chargepoint: ChargePoint) -> bool:
    """Whether the operator accepted the charger (a Pending or Rejected one charges nobody)."""
    return chargepoint.registration_status == RegistrationStatus.ACCEPTED


def facts_first_token(tx: Transaction, facts: TransactionFacts) -> bool:
    """The first token of a transaction started without one (2.0.1: a start on plugging
    in, the token presented later): its authorization is the start's."""
    return not tx.start_status and not tx.id_token and bool(facts.id_token)


def facts_replayed(tx: Transaction, facts: TransactionFacts) -> bool:
    """An event no newer than the last one (a retransmit, or late): its facts are not applied."""
    return (
        facts.seq_no is not None
        and tx.sequence_number is not None
        and facts.seq_no <= tx.sequence_number
    )


def charging_state_record(tx: Transaction, *, state: str, at: datetime.datetime) -> bool:
    """Add a change of charging state to the transaction's history (the caller saves).

    The history prices parking time; a repeated state is no change.
    """
    history = tx.charging_states or []
    if history and history[-1].get("state") == state:
        return False
    tx.charging_states = [*history, {"timestamp": at.isoformat(), "state": state}]
    return True


def facts_apply(
    tx: Transaction,
    facts: TransactionFacts,
    auth: AuthResult | None,
    *,
    at: datetime.datetime | None = None,
) -> None:
    facts_apply_state(tx, facts, at=at)
    facts_apply_token(tx, facts, auth)


def facts_apply_state(
    tx: Transaction, facts: TransactionFacts, *, at: datetime.datetime | None
) -> None:
    if facts.charging_state:
        if at is not None:
            charging_state_record(tx, state=facts.charging_state, at=at)
        tx.charging_state = facts.charging_state
    if facts.trigger_reason:
        tx.trigger_reason = facts.trigger_reason
    if facts.number_of_phases_used is not None:
        tx.number_of_phases_used = facts.number_of_phases_used
    if facts.seq_no is not None:
        if tx.sequence_number is not None and facts.seq_no > tx.sequence_number + 1:
            _sequence_gap(tx, expected=tx.sequence_number + 1, received=facts.seq_no)
        if tx.sequence_number is None or facts.seq_no > tx.sequence_number:
            tx.sequence_number = facts.seq_no


def facts_apply_token(tx: Transaction, facts: TransactionFacts, auth: AuthResult | None) -> None:
    # The token that started the transaction stays its token; whoever stops it
    # (another card of the same group, OCPP 1.6 §6.49) is only authorized.
    if facts.id_token and not tx.id_token:
        tx.id_token = facts.id_token
    if facts.id_token_type and not tx.id_token_type:
        tx.id_token_type = facts.id_token_type
    if auth is None:
        return
    own_token = facts.id_token is not None and tx.id_token.lower() == facts.id_token.lower()
    if own_token and not tx.start_status:
        # The first answer about the transaction's own token is its start's.
        tx.start_status = auth.status
    if (
        auth.id_tag is not None
        and tx.id_tag_id is None
        and tx.id_token.lower() == auth.id_tag.idToken.lower()
    ):
        tx.id_tag = auth.id_tag
        # Deauthorized, it is not its driver's charging: not in their app, never billed.
        if not transaction_deauthorized(tx):
            tx.user = auth.id_tag.user


def _sequence_gap(tx: Transaction, *, expected: int, received: int) -> None:
    # OCPP 2.0.1 E03: seqNo grows by one per event of a transaction; a gap
    # means events were lost, and the energy may need checking.
    logger.warning(
        "Transaction %s on %s: sequence gap, expected seqNo %s, received %s",
        tx.charger_transaction_id or tx.pk,
        tx.chargepoint_id,
        expected,
        received,
    )
    ChargerEvent.objects.create(
        chargepoint_id=tx.chargepoint_id,
        kind=ChargerEventKind.SEQUENCE_GAP,
        status=f"expected {expected}, received {received}",
        timestamp=timezone.now(),
        payload={"transaction": tx.pk, "expected": expected, "received": received},
    )

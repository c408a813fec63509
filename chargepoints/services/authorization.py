"""Authorization of id tokens, the same for every protocol version.

Whether a tag may charge is the accounts' rule (accounts.services.tags); the
charging domain adds what only it knows: a token type that needs no tag, and a
transaction the tag already has going.
"""

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from accounts.enums import AuthorizationStatus, IdTokenType
from accounts.models import IdTag
from accounts.services import idtag_find, idtag_status
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction
from chargepoints.services.token_authority import RemoteCheck, token_authority_decide
from csms.rows import RowReader

# A tag's running transactions of one start status, asked at every start
# (compiled once, csms/rows.py).
_ACTIVE_OF_TAG = RowReader(
    Transaction, ["id_tag", "transaction_status", "start_status"], fields=["pk"]
)
# The start statuses of transactions a tag is charging with: Accepted, or not
# answered (a 2.0.1 start without a token; rows older than start_status).
# Any other answer deauthorized the transaction: it never blocks its tag, or
# a charger that ignores ConcurrentTx (or a rogue one) would lock the driver
# out for good.
_AUTHORIZED_STARTS = (AuthorizationStatus.ACCEPTED, "")


@dataclass(frozen=True)
class AuthResult:
    status: str
    id_tag: IdTag | None = None
    expiry_date: datetime | None = None
    parent_id_tag: str | None = None
    # A check the tag's authority asks for before the answer is final (a
    # roaming partner's real-time authorization): idtag_authorize_settle.
    remote: RemoteCheck | None = None

    @property
    def accepted(self) -> bool:
        return self.status == AuthorizationStatus.ACCEPTED


def transaction_deauthorized(tx: Transaction) -> bool:
    """Whether the start was answered with anything but Accepted: never billed, never a
    driver's charging, never blocking its tag."""
    return tx.start_status not in _AUTHORIZED_STARTS


def idtag_authorize(
    *,
    id_token: str,
    token_type: str = "",
    check_concurrent: bool = False,
    exclude_transactions: Collection[Transaction] = (),
    charger_accepted: bool = True,
    realtime: bool = False,
    chargepoint_id: str | None = None,
) -> AuthResult:
    """Accepted, Blocked, Expired, Unknown, Invalid or ConcurrentTx for a presented token.

    ``check_concurrent`` applies when a transaction starts (OCPP 1.6 §7.2
    ConcurrentTx); an Authorize to *stop* a transaction must not fail with it.
    ``exclude_transactions`` are not concurrent: the start itself retransmitted,
    or what the start replaces on its connector (a driver's retry after the
    answer was lost, a start after a reboot).
    A charger not accepted at its boot (Pending, Rejected) may not charge
    anyone: Invalid, without looking the token up, so that it cannot probe
    which tokens are valid either.
    ``realtime``: a charger's Authorize, whose answer may wait for a remote
    check of the tag's authority (``remote`` on the result: run it outside
    any database thread, then idtag_authorize_settle); ``chargepoint_id`` is
    the charger the token is presented at.
    """
    if not charger_accepted:
        # OCPP 1.6 §4.2 / 2.0.1 B02, B03: until accepted, a charger only boots,
        # beats and reports status.
        return AuthResult(AuthorizationStatus.INVALID)
    if token_type == IdTokenType.NO_AUTHORIZATION:
        # The station lets anyone charge (free vend): nothing to look up.
        return AuthResult(AuthorizationStatus.ACCEPTED)
    tag = idtag_find(id_token=id_token) if id_token else None
    if tag is None:
        return AuthResult(AuthorizationStatus.UNKNOWN)
    status = idtag_status(tag=tag)
    decision = token_authority_decide(
        tag=tag, status=status, realtime=realtime, chargepoint_id=chargepoint_id
    )
    remote = None
    if decision is not None:
        status, remote = decision.status, decision.remote
    if status == AuthorizationStatus.ACCEPTED and check_concurrent:
        excluded = {tx.pk for tx in exclude_transactions}
        for start_status in _AUTHORIZED_STARTS:
            # One more than those excluded: enough to find one that is not.
            active = _ACTIVE_OF_TAG.all(
                tag.pk, TransactionStatus.ACTIVE, start_status, limit=len(excluded) + 1
            )
            if any(running.pk not in excluded for running in active):
                status = AuthorizationStatus.CONCURRENT_TX
                break
    parent = tag.parent_id_tag.idToken if tag.parent_id_tag else None
    return AuthResult(
        status, id_tag=tag, expiry_date=tag.expiry_date, parent_id_tag=parent, remote=remote
    )


def idtag_authorize_settle(*, auth: AuthResult, answer) -> AuthResult:
    """The final answer of an authorization whose remote check has run (``answer``: its ask)."""
    if auth.remote is None:
        return auth
    return dataclasses.replace(auth, status=auth.remote.settle(answer), remote=None)

"""Authorization of id tokens, the same for every protocol version.

Whether a tag may charge is the accounts' rule (accounts.services.tags); the
charging domain adds what only it knows: a token type that needs no tag, and a
transaction the tag already has going.
"""

from dataclasses import dataclass
from datetime import datetime

from accounts.enums import AuthorizationStatus, IdTokenType
from accounts.models import IdTag
from accounts.services import idtag_find, idtag_status
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction
from csms.rows import RowReader

# A tag's running transactions, asked at every start (compiled once, csms/rows.py).
_ACTIVE_OF_TAG = RowReader(Transaction, ["id_tag", "transaction_status"], fields=["pk"])


@dataclass(frozen=True)
class AuthResult:
    status: str
    id_tag: IdTag | None = None
    expiry_date: datetime | None = None
    parent_id_tag: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == AuthorizationStatus.ACCEPTED


def idtag_authorize(
    *,
    id_token: str,
    token_type: str = "",
    check_concurrent: bool = False,
    exclude_transaction: Transaction | None = None,
) -> AuthResult:
    """Accepted, Blocked, Expired, Unknown or ConcurrentTx for a presented token.

    ``check_concurrent`` applies when a transaction starts (OCPP 1.6 §7.2
    ConcurrentTx); an Authorize to *stop* a transaction must not fail with it.
    """
    if token_type == IdTokenType.NO_AUTHORIZATION:
        # The station lets anyone charge (free vend): nothing to look up.
        return AuthResult(AuthorizationStatus.ACCEPTED)
    tag = idtag_find(id_token=id_token) if id_token else None
    if tag is None:
        return AuthResult(AuthorizationStatus.UNKNOWN)
    status = idtag_status(tag=tag)
    if status == AuthorizationStatus.ACCEPTED and check_concurrent:
        # Two at most: one may be the transaction excluded.
        active = _ACTIVE_OF_TAG.all(tag.pk, TransactionStatus.ACTIVE, limit=2)
        excluded = exclude_transaction.pk if exclude_transaction is not None else None
        if any(running.pk != excluded for running in active):
            status = AuthorizationStatus.CONCURRENT_TX
    parent = tag.parent_id_tag.idToken if tag.parent_id_tag else None
    return AuthResult(status, id_tag=tag, expiry_date=tag.expiry_date, parent_id_tag=parent)

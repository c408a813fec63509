"""Authorization of id tokens, the same for every protocol version."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.enums import UserStatus
from accounts.models import IdTag
from chargepoints.enums import AuthorizationStatus, IdTokenType, TransactionStatus
from chargepoints.models import Transaction


@dataclass(frozen=True)
class AuthResult:
    status: str
    id_tag: IdTag | None = None
    expiry_date: datetime | None = None
    parent_id_tag: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == AuthorizationStatus.ACCEPTED


def idtag_find(*, id_token: str) -> IdTag | None:
    # Tags are unique regardless of case (a database constraint), and chargers
    # report the same card in upper or lower case depending on the reader.
    return (
        IdTag.objects.select_related("user", "parent_id_tag")
        .filter(idToken__iexact=id_token)
        .first()
    )


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
    parent = tag.parent_id_tag.idToken if tag.parent_id_tag else None

    def result(status: str) -> AuthResult:
        return AuthResult(status, id_tag=tag, expiry_date=tag.expiry_date, parent_id_tag=parent)

    user = tag.user
    if tag.revoked or (tag.parent_id_tag and tag.parent_id_tag.revoked):
        return result(AuthorizationStatus.BLOCKED)
    if user is not None and (not user.is_active or user.status == UserStatus.BLOCKED):
        return result(AuthorizationStatus.BLOCKED)
    if user is not None and user.status == UserStatus.EXPIRED:
        return result(AuthorizationStatus.EXPIRED)
    if tag.expiry_date is not None and tag.expiry_date <= timezone.now():
        return result(AuthorizationStatus.EXPIRED)
    if check_concurrent:
        active = Transaction.objects.filter(id_tag=tag, transaction_status=TransactionStatus.ACTIVE)
        if exclude_transaction is not None:
            active = active.exclude(pk=exclude_transaction.pk)
        if active.exists():
            return result(AuthorizationStatus.CONCURRENT_TX)
    return result(AuthorizationStatus.ACCEPTED)

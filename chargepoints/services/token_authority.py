"""Tokens another party decides about: the interface an authority above fills.

Some tags are not ours to judge alone: a roaming partner's token is
authorized by the partner's rules (billing registers its authority when
Django starts, ``billing.apps``; docs/architecture.md, "Interfaces filled from
above"). The charging domain asks here for any tag; without an authority, or
for a tag it does not claim, the accounts' rule stands.

An authority may need to ask someone over the network before a charger's
Authorize is answered. That must not happen in a database thread (the
gateway's writers serve every charger of the process), so the decision
carries a ``RemoteCheck``: its caller runs ``ask`` in a thread of its own,
then ``settle`` with the answer through its database seam.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from accounts.models import IdTag


class RemoteCheck(Protocol):
    def ask(self) -> Any:
        """Ask the authority (network, no database); never raises, its answer says what happened."""

    def settle(self, answer: Any) -> str:
        """Keep the answer (database) and return the AuthorizationStatus it makes."""


@dataclass(frozen=True)
class AuthorityDecision:
    # The AuthorizationStatus decided here and now; with a remote check, the
    # status if the caller cannot run it.
    status: str
    remote: RemoteCheck | None = None


class TokenAuthority(Protocol):
    def decide(
        self, *, tag: IdTag, status: str, realtime: bool, chargepoint_id: str | None
    ) -> AuthorityDecision | None:
        """The decision about ``tag`` (``status``: the accounts' rule), or None when the
        tag is not this authority's. ``realtime``: a charger's Authorize, which may wait
        for a remote check; otherwise (a start, a local list) decide without one."""


_registered: list[TokenAuthority] = []


def token_authority_register(authority: TokenAuthority) -> None:
    _registered[:] = [authority]


def token_authority_decide(
    *, tag: IdTag, status: str, realtime: bool = False, chargepoint_id: str | None = None
) -> AuthorityDecision | None:
    if not _registered:
        return None
    return _registered[0].decide(
        tag=tag, status=status, realtime=realtime, chargepoint_id=chargepoint_id
    )

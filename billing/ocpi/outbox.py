"""The outbox: calls we owe partners' receiver interfaces (OCPI 2.2.1, CPO role).

A push is a row (billing.models.OcpiPush), written in the database
transaction that decided it, so it outlives a crash or a restart. The push
cycle (billing/ocpi/push_cycle.py) sends what is due, off every request's and
every charger's path. Rules:

- Calls about one object (partner, module, object_key) leave in the order
  they were queued: a row waits while an older row of its object is not
  delivered (pending, or failed until an operator retries it), so a partner
  never sees a session's PATCH before its PUT.
- Two server processes never send one row: a process claims a row with a
  conditional UPDATE that moves ``next_attempt_at`` past the call's timeout
  (a lease); if it dies mid-call, the row is due again when the lease ends.
- No answer, a timeout, HTTP 5xx or an OCPI 3xxx error: tried again after 30 s,
  twice as long each time up to an hour; given up (FAILED) after
  CSMS_OCPI_PUSH_MAX_ATTEMPTS attempts. A refusal (HTTP 4xx, OCPI 2xxx) is
  FAILED at once: sending it again would be refused again.
- A partner that did not answer is left alone for the rest of the run: its
  other rows wait for the next run, and other partners' rows go.
- A partner that is not REGISTERED (suspended, re-registering) is sent
  nothing; its rows stay PENDING and leave if it is registered again.
- A push to one of the partner's modules goes to where its version details
  say that module is when it is sent, not when it was queued: a partner
  that moved (credentials §7.2.3 PUT, or DELETE and a new registration)
  gets what it missed at its new URL, and the old one never sees its new
  token B. A module it no longer receives fails the push with that reason.
- No HTTP call runs inside a database transaction.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from billing.enums import PushStatus
from billing.models import OcpiPartner, OcpiPush
from billing.ocpi.client import PartnerApiError, ocpi_call
from billing.ocpi.endpoints import partner_endpoint

logger = logging.getLogger(__name__)

FIRST_RETRY = datetime.timedelta(seconds=30)
LONGEST_RETRY = datetime.timedelta(hours=1)
# A claimed row is left alone by other processes for the call's timeout and
# this margin; after that, its sender is taken for dead and the row is due again.
LEASE_MARGIN = datetime.timedelta(seconds=60)
# Kept in last_error: enough for a partner's status_message, not a whole page.
MAX_ERROR_CHARS = 1000


def ocpi_push_enqueue(
    *,
    partner: OcpiPartner,
    module: str,
    method: str,
    url: str,
    body: Any,
    object_key: str = "",
) -> OcpiPush:
    """Queue one call to ``partner``: an INSERT in the caller's transaction, no HTTP.

    If the caller's transaction rolls back, the push goes with it: a push
    exists exactly when the change it tells of was committed. A ``url`` under
    the partner's ``module`` receiver is kept relative to it (``path``).
    """
    base = partner_endpoint(partner, module)
    path = None
    if base:
        base = base.rstrip("/")
        if url == base or url.startswith(base + "/"):
            path = url[len(base) :]
    return OcpiPush.objects.create(
        partner=partner,
        module=module,
        method=method.upper(),
        url=url,
        path=path,
        body=body,
        object_key=object_key,
        next_attempt_at=timezone.now(),
    )


def push_retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 30 s, doubling, at most 1 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.CSMS_OCPI_PUSH_TIMEOUT) + LEASE_MARGIN


def push_target_url(push: OcpiPush) -> str | None:
    """Where ``push`` goes now: under the partner's current receiver of its module,
    or its own URL (a response_url); None when the partner no longer has the module."""
    if push.path is None:
        return push.url
    base = partner_endpoint(push.partner, push.module)
    return base.rstrip("/") + push.path if base else None


def _due(now: datetime.datetime, skip_partners: set[int], limit: int) -> list[OcpiPush]:
    older_undelivered = OcpiPush.objects.filter(
        partner=OuterRef("partner"),
        module=OuterRef("module"),
        object_key=OuterRef("object_key"),
        id__lt=OuterRef("id"),
    ).exclude(status__in=[PushStatus.DELIVERED, PushStatus.DISCARDED])
    return list(
        OcpiPush.objects.filter(
            status=PushStatus.PENDING,
            next_attempt_at__lte=now,
            partner__status=OcpiPartner.Status.REGISTERED,
        )
        .exclude(partner_id__in=skip_partners)
        .exclude(Exists(older_undelivered))
        .select_related("partner")
        .order_by("next_attempt_at", "id")[:limit]
    )


def push_claim(push: OcpiPush, *, now: datetime.datetime) -> bool:
    """Take ``push`` (as read by this process) for sending; False if another process took it.

    Compare-and-set on ``next_attempt_at``: whoever moves it first owns the
    row until the lease ends; the other's UPDATE matches nothing.
    """
    lease = _lease()
    claimed = OcpiPush.objects.filter(
        pk=push.pk, status=PushStatus.PENDING, next_attempt_at=push.next_attempt_at
    ).update(
        next_attempt_at=now + lease,
        sending_until=now + lease,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
    )
    if claimed:
        push.attempts += 1
        push.sending_until = now + lease
    return bool(claimed)


def _claimed(push: OcpiPush):
    # The row while this process's claim holds: a call that outlived its
    # lease (a partner trickling its answer) finds another claim there and
    # does not overwrite what that one records.
    return OcpiPush.objects.filter(pk=push.pk, sending_until=push.sending_until)


def _party(country_code: Any, party_id: Any) -> tuple[str, str] | None:
    if isinstance(country_code, str) and isinstance(party_id, str) and country_code and party_id:
        return country_code.upper(), party_id.upper()
    return None


def _first_body(push: OcpiPush) -> Any:
    # A PATCH carries only what changed; the object's first push (its PUT or
    # POST) carries the whole object and with it the parties.
    if push.method != "PATCH":
        return push.body
    return (
        OcpiPush.objects.filter(
            partner_id=push.partner_id, module=push.module, object_key=push.object_key
        )
        .exclude(method="PATCH")
        .order_by("id")
        .values_list("body", flat=True)
        .first()
    )


def push_routing_headers(push: OcpiPush, url: str | None = None) -> dict[str, str]:
    """OCPI 2.2.1 transport §4.3.1 message routing: to the receiving party, from the sending one.

    From: the CPO party the object belongs to (its body's country_code and
    party_id, else the URL's {country_code}/{party_id}), else ours. To: the
    eMSP whose token charged (the body's cdr_token), else the partner itself.
    """
    body = _first_body(push)
    body = body if isinstance(body, dict) else {}
    sender = _party(body.get("country_code"), body.get("party_id"))
    base = partner_endpoint(push.partner, push.module)
    url = url or push_target_url(push) or push.url
    if sender is None and base and url.startswith(base.rstrip("/") + "/"):
        segments = url[len(base.rstrip("/")) + 1 :].split("/")
        if len(segments) >= 3:
            sender = _party(segments[0], segments[1])
    sender = sender or (settings.CSMS_OCPI_COUNTRY_CODE, settings.CSMS_OCPI_PARTY_ID)
    token = body.get("cdr_token")
    receiver = None
    if isinstance(token, dict):
        receiver = _party(token.get("country_code"), token.get("party_id"))
    receiver = receiver or _party(push.partner.country_code, push.partner.party_id)
    headers = {"OCPI-from-country-code": sender[0], "OCPI-from-party-id": sender[1]}
    if receiver:
        headers |= {"OCPI-to-country-code": receiver[0], "OCPI-to-party-id": receiver[1]}
    return headers


def _record_failure(push: OcpiPush, error: PartnerApiError, now: datetime.datetime) -> None:
    message = str(error)[:MAX_ERROR_CHARS]
    if error.retryable and push.attempts < settings.CSMS_OCPI_PUSH_MAX_ATTEMPTS:
        fields = {"last_error": message, "next_attempt_at": now + push_retry_delay(push.attempts)}
    else:
        if error.retryable:
            message = f"Given up after {push.attempts} attempts: {message}"[:MAX_ERROR_CHARS]
        fields = {"status": PushStatus.FAILED, "last_error": message}
    _claimed(push).update(sending_until=None, **fields)


def _send(push: OcpiPush, now: datetime.datetime) -> PartnerApiError | None:
    url = push_target_url(push)
    if url is None:
        error = PartnerApiError(f"The partner no longer lists a {push.module} receiver.")
        _record_failure(push, error, now)
        return error
    try:
        headers = push_routing_headers(push, url)
        ocpi_call(
            push.method,
            url,
            token=push.partner.token_b,
            body=push.body,
            timeout=settings.CSMS_OCPI_PUSH_TIMEOUT,
            headers=headers,
        )
    except PartnerApiError as error:
        _record_failure(push, error, now)
        logger.warning("OCPI push %s failed (attempt %s): %s", push.pk, push.attempts, error)
        return error
    _claimed(push).update(
        status=PushStatus.DELIVERED, delivered_at=timezone.now(), last_error="", sending_until=None
    )
    return None


def ocpi_outbox_deliver(*, now: datetime.datetime | None = None, limit: int = 100) -> int:
    """Send the pushes that are due, at most ``limit`` attempts; returns how many were delivered.

    Runs outside any database transaction: each claim and each outcome is
    committed on its own, and the HTTP calls happen between them.
    """
    now = now or timezone.now()
    delivered = attempted = 0
    unanswered: set[int] = set()
    while attempted < limit:
        batch = _due(now, unanswered, limit - attempted)
        progressed = False
        for push in batch:
            if push.partner_id in unanswered or not push_claim(push, now=now):
                continue
            progressed = True
            attempted += 1
            error = _send(push, now)
            if error is None:
                delivered += 1
            elif error.retryable and error.http_status is None:
                # No answer at all (a timeout, a refused connection): its other
                # rows would wait as long, so they wait for the next run instead.
                unanswered.add(push.partner_id)
        if not progressed:
            break
    return delivered


def ocpi_pushes_retry(*, pushes: QuerySet[OcpiPush], now: datetime.datetime | None = None) -> int:
    """An operator's "retry now": the undelivered ``pushes`` are due at once, with a fresh
    count of attempts; delivered ones are left alone. Returns how many.

    A retried push still waits for an older undelivered push of its object:
    the order of one object's pushes is kept whatever is retried. A push a
    process is sending (its lease running) is left alone: made due, a second
    process would claim it and send it again while the first call runs.
    """
    now = now or timezone.now()
    return (
        # A discarded push stays so: later ones of its object may have left since.
        pushes.exclude(status__in=[PushStatus.DELIVERED, PushStatus.DISCARDED])
        .exclude(sending_until__gt=now)
        .update(status=PushStatus.PENDING, attempts=0, next_attempt_at=now)
    )


def ocpi_pushes_discard(*, pushes: QuerySet[OcpiPush]) -> int:
    """Give up for good the failed ones among ``pushes`` (a call the partner refuses
    whatever is sent again): the later pushes of their objects leave. Returns how many."""
    return pushes.filter(status=PushStatus.FAILED).update(status=PushStatus.DISCARDED)

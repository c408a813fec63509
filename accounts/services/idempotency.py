"""Idempotency keys: a POST that acts, remembered by the key its client sent.

A phone that lost an answer retries with the same ``Idempotency-Key`` and
gets the first answer again, instead of starting a second charge
(draft-ietf-httpapi-idempotency-key-header). A key is the user's own; it is
remembered for ``KEY_LIFETIME``, then forgotten (on its next use, and by the
periodic sweep, chargepoints/services/expiry.py).
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from accounts.models import IdempotencyKey, User

KEY_LIFETIME = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Claim:
    """What a key says about a request: new (``record`` to finish), or seen before."""

    record: IdempotencyKey
    # Seen before: the request it was first sent with was another one.
    reused: bool = False
    # Seen before and not answered yet.
    in_flight: bool = False
    new: bool = False


def request_fingerprint(*, method: str, path: str, data) -> str:
    """SHA-256 of what the request asks: its method, path and body (keys sorted)."""
    body = json.dumps(data, sort_keys=True, cls=JSONEncoder, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def idempotency_key_claim(
    *, user: User, key: str, method: str, path: str, fingerprint: str
) -> Claim:
    """Remember the key for this request, or tell what it was first used for."""
    IdempotencyKey.objects.filter(
        user=user, key=key, created_at__lt=timezone.now() - KEY_LIFETIME
    ).delete()
    fields = {"user": user, "key": key, "method": method, "path": path[:255]}
    # Twice at most: a first request that failed forgets its key (idempotency_key_forget)
    # between our insert, refused by its row, and our read of that row.
    for _attempt in range(2):
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(**fields, fingerprint=fingerprint)
        except IntegrityError:
            record = IdempotencyKey.objects.filter(user=user, key=key).first()
            if record is None:
                continue
            same = (record.method, record.path, record.fingerprint) == (
                method,
                path[:255],
                fingerprint,
            )
            return Claim(record, reused=not same, in_flight=same and record.status_code is None)
        return Claim(record, new=True)
    # Claimed and forgotten twice meanwhile: requests with this key are still coming and going.
    return Claim(IdempotencyKey(**fields, fingerprint=fingerprint), in_flight=True)


def idempotency_key_answer(*, record: IdempotencyKey, status_code: int, data) -> None:
    """Keep the answer a retry with the key will get."""
    record.status_code = status_code
    record.response = json.loads(json.dumps(data, cls=JSONEncoder))
    record.save(update_fields=["status_code", "response"])


def idempotency_key_forget(*, record: IdempotencyKey) -> None:
    """The request refused or failed: a retry with the key is tried anew."""
    IdempotencyKey.objects.filter(pk=record.pk).delete()


def idempotency_keys_expire(*, now: datetime.datetime | None = None) -> int:
    """Forget the keys older than KEY_LIFETIME."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    return IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()[0]

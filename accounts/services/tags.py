"""Id tags (RFID cards, key fobs, app tokens) and whether one may charge.

The rule that decides whether a tag may charge lives here, once: the charging
domain asks idtag_status() when a charger presents a token, the accounts API
shows its answer next to each tag.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.enums import AuthorizationStatus, UserStatus
from accounts.models import IdTag, User
from accounts.services.updates import instance_update
from csms.rows import RowReader

# Every start, stop and Authorize of a charger looks a tag up: compiled once
# (csms/rows.py). Tags are unique regardless of case (the Lower() constraint,
# whose index this lookup uses), and chargers report the same card in upper
# or lower case depending on the reader.
_TAG = RowReader(IdTag, ["idToken"], ignore_case=["idToken"])
_TAG_BY_KEY = RowReader(IdTag, ["idToken"])
_USER = RowReader(User, ["pk"])


def idtag_find(*, id_token: str) -> IdTag | None:
    """The tag, whatever the case of ``id_token``, with its user and parent loaded."""
    tag = _TAG.get(id_token)
    if tag is None:
        return None
    # As select_related would: the rule (idtag_status) reads both.
    user = _USER.get(tag.user_id) if tag.user_id is not None else None
    IdTag.user.field.set_cached_value(tag, user)
    parent = _TAG_BY_KEY.get(tag.parent_id_tag_id) if tag.parent_id_tag_id is not None else None
    IdTag.parent_id_tag.field.set_cached_value(tag, parent)
    return tag


IDTAG_TAKEN = "This id tag is already registered."


@transaction.atomic
def idtag_register(
    *,
    user: User | None,
    id_token: str,
    token_type: str = "",
    expiry_date: datetime.datetime | None = None,
    may_change_expiry: bool = True,
) -> tuple[IdTag, bool]:
    """Give ``user`` the tag ``id_token``; returns the tag and whether it is new.

    A tag nobody owns yet (say, a batch of cards an operator imported) is
    claimed. A tag that is someone else's, or revoked, is refused with the
    same words either way: naming the owner, or saying it was blocked, would
    tell a stranger about somebody else's card.
    """
    # Chargers send a card in whichever letter case their reader uses, so a
    # tag is the same tag regardless of case (the model's constraint).
    tag = IdTag.objects.select_for_update().filter(idToken__iexact=id_token).first()
    if tag is None:
        tag = IdTag(idToken=id_token, token_type=token_type, user=user, expiry_date=expiry_date)
        tag.full_clean()
        try:
            with transaction.atomic():
                tag.save(force_insert=True)
        except IntegrityError:
            raise ValidationError({"id_token": [IDTAG_TAKEN]}) from None
        return tag, True
    owner_id = user.pk if user is not None else None
    if tag.user_id is not None and tag.user_id != owner_id:
        raise ValidationError({"id_token": [IDTAG_TAKEN]})
    if tag.revoked:
        # Only an operator may reinstate a blocked tag, not whoever adds it again.
        owned = tag.user_id is not None
        raise ValidationError({"id_token": ["This id tag is blocked." if owned else IDTAG_TAKEN]})
    changes = {"user": user}
    if token_type:
        changes["token_type"] = token_type
    if expiry_date is not None and expiry_date != tag.expiry_date:
        if not may_change_expiry:
            # An expired card stays expired until an operator says otherwise.
            raise ValidationError(
                {"expiry_date": ["Only an operator may change the expiry of a registered id tag."]}
            )
        changes["expiry_date"] = expiry_date
    instance_update(instance=tag, data=changes, fields={"user", "token_type", "expiry_date"})
    return tag, False


def idtags_set_revoked(*, id_tags: QuerySet[IdTag], revoked: bool) -> int:
    """Revoke (or reinstate) tags: a revoked tag is answered Blocked when a charger asks."""
    return id_tags.update(revoked=revoked, updated_at=timezone.now())


def idtag_status(*, tag: IdTag, now: datetime.datetime | None = None) -> str:
    """Accepted, Blocked or Expired: whether the tag may charge now.

    The one rule, for chargers (the charging domain adds only its check for a
    concurrent transaction) and for the API's list of tags. It reads the tag's
    loaded user and parent, so a list of tags costs no query per tag.
    """
    now = now or timezone.now()
    user = tag.user
    parent = tag.parent_id_tag
    if tag.revoked or (parent is not None and parent.revoked):
        return AuthorizationStatus.BLOCKED
    if user is not None and (not user.is_active or user.status == UserStatus.BLOCKED):
        return AuthorizationStatus.BLOCKED
    if user is not None and user.status == UserStatus.EXPIRED:
        return AuthorizationStatus.EXPIRED
    if tag.expiry_date is not None and tag.expiry_date <= now:
        return AuthorizationStatus.EXPIRED
    return AuthorizationStatus.ACCEPTED

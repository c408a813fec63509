"""Users, their profiles and payment cards, id tags."""

import datetime

from creditcards import types as card_types
from creditcards.forms import CardExpiryField, CardNumberField
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from accounts.enums import UserStatus
from accounts.models import IdTag, Profile, User

# The library's CC_TYPE_CHOICES omits Visa; its detection table names every brand.
_CARD_BRANDS = {code: record["title"] for code, record in card_types.CC_TYPES}


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    phone_number: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    status: str = UserStatus.ACTIVE,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create a user and their profile in one go, so every driver has a profile."""
    user = User(
        username=username,
        phone_number=phone_number or None,
        email=email,
        first_name=first_name,
        last_name=last_name,
        status=status,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    Profile.objects.create(user=user)
    return user


def profile_ensure(*, user: User) -> Profile:
    """The user's profile, created if they have none yet (users made outside user_create)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_set_payment_card(
    *, profile: Profile, number: str, expiry: str | datetime.date
) -> Profile:
    """Validate a payment card and keep only its brand, last four digits and expiry.

    The full number is checked (length, Luhn, known brand prefix) and then
    dropped: it is never written anywhere.
    """
    errors = {}
    try:
        digits = CardNumberField().clean(number)
    except ValidationError as exc:
        errors["cc_number"] = exc.messages
    if isinstance(expiry, datetime.date):
        expiry = expiry.strftime("%m/%Y")
    try:
        expiry_date = CardExpiryField().clean(expiry)
    except ValidationError as exc:
        errors["cc_expirydate"] = exc.messages
    if errors:
        raise ValidationError(errors)

    profile.cc_brand = _CARD_BRANDS.get(card_types.get_type(digits), "Card")
    profile.cc_last4 = digits[-4:]
    profile.cc_expirydate = expiry_date
    profile.save(update_fields=["cc_brand", "cc_last4", "cc_expirydate"])
    return profile


def profile_clear_payment_card(*, profile: Profile) -> Profile:
    profile.cc_brand = ""
    profile.cc_last4 = ""
    profile.cc_expirydate = None
    profile.save(update_fields=["cc_brand", "cc_last4", "cc_expirydate"])
    return profile


def idtags_set_revoked(*, id_tags: QuerySet[IdTag], revoked: bool) -> int:
    """Revoke (or reinstate) tags: a revoked tag is answered Blocked when a charger asks."""
    return id_tags.update(revoked=revoked)

"""Profiles: a driver's preferences, picture and payment card."""

import datetime

from creditcards import types as card_types
from creditcards.forms import CardExpiryField, CardNumberField
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from accounts.models import Profile, User
from accounts.services.photos import photo_check
from accounts.services.updates import instance_update

# The library's CC_TYPE_CHOICES omits Visa; its detection table names every brand.
_CARD_BRANDS = {code: record["title"] for code, record in card_types.CC_TYPES}


def profile_ensure(*, user: User) -> Profile:
    """The user's profile, created if they have none yet (users made outside user_create)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def profile_update(*, profile: Profile, data: dict) -> Profile:
    """Preferences and photo; ``image=None`` removes the photo.

    A new photo is checked (format, bytes, pixels: ``photo_check``) before
    anything is changed; a refused one is a ValidationError on ``image``.
    """
    data = dict(data)
    old_image = profile.image.name if profile.image else ""
    if "image" in data:
        image = data["image"]
        if image:
            try:
                suffix = photo_check(file=image)
            except ValidationError as exc:
                raise ValidationError({"image": exc.messages}) from None
            # The name the client gave may carry a misleading extension or a
            # personal name: only the checked format's suffix is kept, and
            # the stored name is random (Profile.image's upload_to).
            data["image"] = File(image, name=f"photo{suffix}")
        else:
            data["image"] = ""
    instance_update(
        instance=profile,
        data=data,
        fields={"timezone", "chargepoint_sockets", "tariff_preference", "image"},
    )
    if old_image and old_image != profile.image.name:
        # Nothing refers to the old picture any more. Delete it only once the
        # change is committed, so a rolled-back change keeps a valid picture.
        storage = profile.image.storage
        transaction.on_commit(lambda: storage.delete(old_image))
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

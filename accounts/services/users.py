"""Users, their logins, profiles and payment cards, vehicles, id tags."""

import datetime
import secrets
from pathlib import PurePath

from creditcards import types as card_types
from creditcards.forms import CardExpiryField, CardNumberField
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber, to_python
from rest_framework.authtoken.models import Token

from accounts.enums import UserStatus
from accounts.models import IdTag, Profile, User, UserVehicle
from chargepoints.enums import AuthorizationStatus

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


def _update(instance: Model, data: dict, fields: set[str]) -> None:
    """Set the given fields, validate the whole row and save only what changed."""
    unknown = set(data) - fields
    if unknown:
        raise ValueError(f"Cannot update {', '.join(sorted(unknown))} here.")
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save(
        update_fields=[*data, *(["updated_at"] if hasattr(instance, "updated_at") else [])]
    )


# Logging in -------------------------------------------------------------------


class AccountUnavailable(Exception):
    """The password is right but the account may not log in (seed 003: BLOCKED, EXPIRED)."""

    def __init__(self, user: User):
        if not user.is_active:
            message = "This account is inactive."
        else:
            message = f"This account is {user.get_status_display().lower()}."
        super().__init__(message)
        self.message = message


def _login_candidate(*, phone_number: str | None, username: str | None) -> User | None:
    if phone_number is not None:
        number = to_python(phone_number)
        if number is None or not number.is_valid():
            return None
        return User.objects.filter(phone_number=number).first()
    return User.objects.filter(username=username).first()


def user_authenticate(
    *, request, password: str, phone_number: str | None = None, username: str | None = None
) -> User | None:
    """The user these credentials belong to, or None.

    Raises AccountUnavailable when the password is right but the account is
    blocked or expired, so the driver learns why instead of retrying a correct
    password. Only someone who knows the password learns the account's status.
    """
    candidate = _login_candidate(phone_number=phone_number, username=username)
    if candidate is not None and not candidate.may_charge:
        # The backend refuses such accounts without saying why. Check the
        # password here instead of after it, so every attempt hashes exactly
        # once and a blocked account cannot be told apart by its timing.
        if candidate.check_password(password):
            raise AccountUnavailable(candidate)
        return None
    if phone_number is not None:
        return authenticate(request, phone_number=phone_number, password=password)
    return authenticate(request, username=username, password=password)


def auth_token_issue(*, user: User) -> Token:
    """The user's API token (DRF's, one per user, as `manage.py drf_create_token` makes)."""
    token, _ = Token.objects.get_or_create(user=user)
    update_last_login(None, user)
    return token


def auth_token_revoke(*, user: User) -> None:
    # One token per user: logging out on one device logs out every app.
    Token.objects.filter(user=user).delete()


# Registration and account data ------------------------------------------------

PHONE_NUMBER_TAKEN = "A user with this phone number already exists."


def user_register(
    *,
    phone_number: PhoneNumber | str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """A new driver who logs in with their phone number (seed 003).

    The username is the number in E.164, so the admin lists drivers by number.
    """
    number = to_python(phone_number)
    if number is None or not number.is_valid():
        raise ValidationError({"phone_number": ["Enter a valid phone number."]})
    username = number.as_e164
    errors = {}
    # A user made in the admin may have the number as username but no number.
    if User.objects.filter(Q(phone_number=number) | Q(username=username)).exists():
        errors["phone_number"] = [PHONE_NUMBER_TAKEN]
    try:
        validate_password(
            password,
            user=User(username=username, first_name=first_name, last_name=last_name, email=email),
        )
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return user_create(
                username=username,
                password=password,
                phone_number=username,
                first_name=first_name,
                last_name=last_name,
                email=email,
            )
    except IntegrityError:
        # Someone registered the same number between the check and the insert.
        raise ValidationError({"phone_number": [PHONE_NUMBER_TAKEN]}) from None


def user_update(*, user: User, data: dict) -> User:
    """A user's own account data; number and status are changed elsewhere."""
    _update(user, data, {"username", "email", "first_name", "last_name"})
    return user


def user_set_status(*, user: User, status: str, by: User | None = None) -> User:
    """Block, expire or reinstate an account (seed 003 UserStatus).

    A blocked user's API token stops working at once: token authentication
    refuses accounts that are not ACTIVE.
    """
    if by is not None and by.pk == user.pk and status != UserStatus.ACTIVE:
        # An operator locking themselves out needs another operator to undo it.
        raise ValidationError({"status": ["You cannot block or expire your own account."]})
    _update(user, {"status": status}, {"status"})
    return user


# Profiles ---------------------------------------------------------------------


def profile_update(*, profile: Profile, data: dict) -> Profile:
    """Preferences and picture; ``image=None`` removes the picture."""
    data = dict(data)
    old_image = profile.image.name if profile.image else ""
    if "image" in data:
        image = data["image"]
        if image:
            # Our own name: an uploaded file's name is the client's choice and
            # may carry a misleading extension or a personal name.
            fmt = getattr(getattr(image, "image", None), "format", None)
            suffix = f".{fmt.lower()}" if fmt else PurePath(image.name or "").suffix.lower()
            data["image"] = File(image, name=f"{profile.user_id}-{secrets.token_hex(8)}{suffix}")
        else:
            data["image"] = ""
    _update(profile, data, {"timezone", "chargepoint_sockets", "tariff_preference", "image"})
    if old_image and old_image != profile.image.name:
        # Nothing refers to the old picture any more. Delete it only once the
        # change is committed, so a rolled-back change keeps a valid picture.
        storage = profile.image.storage
        transaction.on_commit(lambda: storage.delete(old_image))
    return profile


# Vehicles ---------------------------------------------------------------------

LICENSE_PLATE_TAKEN = "A vehicle with this license plate already exists."


def vehicle_create(*, user: User, license_plate: str, **fields) -> UserVehicle:
    vehicle = UserVehicle(user=user, license_plate=license_plate, **fields)
    vehicle.full_clean()
    try:
        with transaction.atomic():
            vehicle.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"license_plate": [LICENSE_PLATE_TAKEN]}) from None
    return vehicle


def vehicle_update(*, vehicle: UserVehicle, data: dict) -> UserVehicle:
    try:
        with transaction.atomic():
            _update(vehicle, data, {"user", "license_plate", "make", "model", "type"})
    except IntegrityError:
        raise ValidationError({"license_plate": [LICENSE_PLATE_TAKEN]}) from None
    return vehicle


# Id tags ----------------------------------------------------------------------

IDTAG_TAKEN = "This id tag is already registered."


@transaction.atomic
def idtag_register(
    *,
    user: User | None,
    id_token: str,
    token_type: str = "",
    expiry_date: datetime.datetime | None = None,
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
    if expiry_date is not None:
        changes["expiry_date"] = expiry_date
    _update(tag, changes, {"user", "token_type", "expiry_date"})
    return tag, False


def idtag_status(*, tag: IdTag, now: datetime.datetime | None = None) -> str:
    """Accepted, Blocked or Expired: what a charger would be told about the tag now.

    The rules of chargepoints.services.authorization.idtag_authorize without
    the concurrent-transaction check, read from the tag's loaded relations so
    a list of tags costs no query per tag.
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

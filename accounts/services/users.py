"""Users: creating them, drivers signing up, their account data and status."""

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from phonenumber_field.phonenumber import PhoneNumber, to_python

from accounts.enums import UserStatus
from accounts.models import Profile, User
from accounts.services.updates import instance_update


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
    instance_update(
        instance=user, data=data, fields={"username", "email", "first_name", "last_name"}
    )
    return user


MANAGE_REFUSED = "This account holds rights you do not hold: only a superuser may change it."


def _rights(user: User) -> set[str]:
    # Held directly or through a group, whether or not the account is active
    # now: reactivating it is one more change.
    held = Permission.objects.filter(Q(user=user) | Q(group__user=user))
    return {
        f"{app}.{codename}"
        for app, codename in held.values_list("content_type__app_label", "codename")
    }


def user_may_manage(*, actor: User, user: User) -> bool:
    """Whether ``actor`` may block, edit or set the password of ``user`` (or of what is theirs).

    A superuser manages everyone. Others (with the right to change users)
    manage accounts whose rights they hold themselves: setting a password is
    taking the account over, so managing an account with more rights than
    one's own, a superuser's above all, would hand those rights over, and
    blocking it would lock out whoever grants them (issue 15).
    """
    if not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return not user.is_superuser and _rights(user) <= actor.get_all_permissions()


def user_set_status(*, user: User, status: str, by: User | None = None) -> User:
    """Block, expire or reinstate an account (seed 003 UserStatus).

    Blocking or expiring revokes every API token of the user at once (the
    hook in accounts/receivers.py, which every save of a user passes), so a
    reinstated user logs in again rather than finding the old tokens working.
    """
    if by is not None and not user_may_manage(actor=by, user=user):
        raise PermissionDenied(MANAGE_REFUSED)
    if by is not None and by.pk == user.pk and status != UserStatus.ACTIVE:
        # An operator locking themselves out needs another operator to undo it.
        raise ValidationError({"status": ["You cannot block or expire your own account."]})
    instance_update(instance=user, data={"status": status}, fields={"status"})
    return user

import re
import uuid

from creditcards.models import CardExpiryField
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from knox.models import AuthToken
from phonenumber_field.modelfields import PhoneNumberField
from timezone_field import TimeZoneField

from accounts.enums import IdTokenType, NotificationType, UserStatus, VehicleType

# Digits (in any script) and what people write between them in a phone
# number: "+66 81-234-5678", "(081) 234.5678", "0812345678".
_PHONE_LIKE = re.compile(r"[\s\d+\uff0b\-().\/]*\d[\s\d+\uff0b\-().\/]*")
USERNAME_LOOKS_LIKE_PHONE_NUMBER = (
    "A username may not look like a phone number (only digits, spaces and + - ( ) . /): "
    "add a letter. Log in with your phone number instead."
)


def username_looks_like_phone_number(username: str) -> bool:
    return bool(username) and _PHONE_LIKE.fullmatch(username) is not None


class User(AbstractUser):
    """A driver or an operator (seed 000 User, seed 003 User).

    Drivers log in with their phone number (seed 003); operators created with
    ``createsuperuser`` may have none, so the number is unique but optional.
    ``username`` stays the login for the admin.
    """

    phone_number = PhoneNumberField(unique=True, null=True, blank=True)
    status = models.CharField(max_length=10, choices=UserStatus.choices, default=UserStatus.ACTIVE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return str(self.phone_number or self.username)

    def clean(self):
        super().clean()
        # Drivers log in by number or by username, and signing up with a
        # number someone holds as a username is refused: a username that
        # looks like a number would squat that number. Only the account's own
        # number in E.164, the username signing up gives, may look like one.
        number = self.phone_number
        own = number.as_e164 if number and number.is_valid() else None
        if username_looks_like_phone_number(self.username) and self.username != own:
            raise ValidationError({"username": [USERNAME_LOOKS_LIKE_PHONE_NUMBER]})

    @property
    def may_charge(self) -> bool:
        # Seed 003: BLOCKED and EXPIRED users can neither log in nor charge.
        return self.is_active and self.status == UserStatus.ACTIVE


def profile_photo_path(profile: "Profile", filename: str) -> str:
    """A random name: neither the owner nor the uploaded file's name can be read from it.

    Photos are served only through an authenticated view; the name is the
    second line of defence should the media folder ever be exposed.
    """
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    if suffix not in {".jpg", ".png", ".webp"}:
        suffix = ""
    return f"profiles/{uuid.uuid4().hex}{suffix}"


class Profile(models.Model):
    """A driver's preferences (seed 000 Profile).

    The payment card is validated on input (django-credit-cards) but only its
    brand, last four digits and expiry are kept: storing the full number would
    put the CSMS in PCI DSS scope for no gain.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    image = models.ImageField(upload_to=profile_photo_path, blank=True)
    timezone = TimeZoneField(default="UTC")
    chargepoint_sockets = models.JSONField(
        default=list,
        blank=True,
        help_text="Preferred connector standards (OCPI ConnectorType values).",
    )
    cc_brand = models.CharField("card brand", max_length=30, blank=True)
    cc_last4 = models.CharField("card last four digits", max_length=4, blank=True)
    cc_expirydate = CardExpiryField("card expiry", null=True, blank=True)
    tariff_preference = models.FloatField(
        null=True,
        blank=True,
        help_text="Highest price per kWh the driver accepts, in the tariff's currency.",
    )

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def cc_masked(self) -> str:
        if not self.cc_last4:
            return ""
        return f"{self.cc_brand} •••• {self.cc_last4}".strip()


class UserVehicle(models.Model):
    """A driver's car (seed 003 UserVehicle); one driver may have several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="vehicles")
    license_plate = models.CharField(max_length=20, unique=True)
    make = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=50, blank=True)
    type = models.CharField(
        max_length=20, choices=VehicleType.choices, default=VehicleType.ELECTRIC
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["license_plate"]

    def __str__(self) -> str:
        return " ".join(part for part in (self.license_plate, self.make, self.model) if part)


class IdTag(models.Model):
    """An authorization token: RFID card, app token, key code (seed 000 IdTag).

    ``idToken`` is the seed's name and the OCPP value. Chargers send tags in
    any letter case, so tags are unique regardless of case.
    """

    idToken = models.CharField("id token", max_length=255, primary_key=True)
    token_type = models.CharField(
        max_length=20,
        choices=IdTokenType.choices,
        blank=True,
        help_text="OCPP 2.0.1 IdToken type; blank for OCPP 1.6 id tags.",
    )
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="id_tags"
    )
    parent_id_tag = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text="Group tag: tags sharing a parent may stop each other's transactions.",
    )
    revoked = models.BooleanField(default=False)
    expiry_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # For integrations that sync tags with ?updated_after= (issue 18). auto_now
    # covers save(); a queryset .update() must set it itself.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "id tag"
        indexes = [models.Index(fields=["updated_at"])]
        ordering = ["idToken"]
        constraints = [
            models.UniqueConstraint(Lower("idToken"), name="idtag_idtoken_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.idToken


class Notification(models.Model):
    """A message to a driver, or to everyone when ``user`` is empty (seed 003)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    message = models.TextField()
    type = models.CharField(max_length=30, choices=NotificationType.choices)
    transaction = models.ForeignKey(
        "chargepoints.Transaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        help_text="The charging this is about, so an app can open it.",
    )
    # A personal notification is read when is_read is set; one to everyone is
    # read per user, so each reader is recorded instead.
    is_read = models.BooleanField(default=False)
    read_by = models.ManyToManyField(User, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "is_read"])]

    def __str__(self) -> str:
        return self.title


class ApiToken(AuthToken):
    """A device a user is logged in on: its API token, as the admin shows it.

    The row is django-rest-knox's (accounts/services/tokens.py), which holds
    only a digest of the token. Even that is shown nowhere: knox names a
    token by its digest, this names it by its first characters (token_key).
    """

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.token_key}… of {self.user}"


class IdempotencyKey(models.Model):
    """A POST that acts, remembered by the ``Idempotency-Key`` its client sent.

    A phone that lost the answer retries with the same key and gets the first
    answer again instead of starting a second charge (issue 18, finding 1;
    IETF draft-ietf-httpapi-idempotency-key-header). ``status_code`` is empty
    while the first request is still being handled.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the request body: a key reused for another is refused."
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class PasswordResetCode(models.Model):
    """A one-time code sent to a driver who forgot the password (issue 18, finding 9).

    Only a hash of the code is kept, as for passwords. A code ends when used,
    when it expires, or after too many wrong tries.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_codes")
    code_hash = models.CharField(max_length=128)
    sent_to = models.CharField(max_length=64, help_text="Where the code went (a phone number).")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"Password reset code for {self.user} ({self.created_at:%Y-%m-%d %H:%M})"

"""What the accounts API reads and shows. Validation of shape only; services decide."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from knox.models import AuthToken
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from accounts.api import help_texts as docs
from accounts.enums import ConnectorType, IdTokenType
from accounts.models import IdTag, Notification, Profile, User, UserVehicle
from accounts.services import idtag_status
from csms.api.fields import (
    NullableChoiceField,
    StrictCharField,
    StrictModelSerializer,
    TimeZoneField,
    upper_snake,
)
from csms.api.permissions import holds, holds_any, sees_all


class UserIdField(serializers.PrimaryKeyRelatedField):
    """A user's id: an integer, never a boolean or a fraction that Django would round."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool | float):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return super().to_internal_value(data)
        except OverflowError:
            self.fail("does_not_exist", pk_value=data)


# Accounts ---------------------------------------------------------------------


class UserSerializer(StrictModelSerializer):
    """An account: the caller's own (me/), or anyone's for operators (users/)."""

    phone_number = serializers.CharField(read_only=True, allow_null=True)
    is_operator = serializers.SerializerMethodField(
        help_text="True when the account holds any right beyond its own data: a superuser, "
        "or any model permission, held directly or through a group (Operators, Support). "
        "What each right allows is checked per request; this tells an app which screens "
        "to offer."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "phone_number",
            "email",
            "first_name",
            "last_name",
            "status",
            "is_operator",
            "date_joined",
        ]
        read_only_fields = ["id", "phone_number", "status", "date_joined"]
        help_texts = docs.USER

    def get_is_operator(self, user: User) -> bool:
        return holds_any(user)


class MeUpdateSerializer(UserSerializer):
    """What a user may change of their own account (PATCH me/)."""


# The request of PATCH users/{id}/, named as the User it changes: the status
# choices then appear in one component only and get one enum name.
@extend_schema_serializer(component_name="User")
class UserStatusSerializer(StrictModelSerializer):
    """Operators change only a user's status (seed 003 UserStatus)."""

    class Meta:
        model = User
        fields = ["status"]
        help_texts = docs.USER_STATUS


class LoginSerializer(serializers.Serializer):
    phone_number = StrictCharField(required=False, max_length=32)
    username = StrictCharField(required=False, max_length=150)
    # Never trimmed: spaces are part of a password, as in Django's own forms.
    password = StrictCharField(write_only=True, trim_whitespace=False, max_length=4096)

    class Meta:
        help_texts = docs.LOGIN

    def validate(self, attrs):
        if ("phone_number" in attrs) == ("username" in attrs):
            raise serializers.ValidationError(
                _("Give either a phone number or a username."), code="invalid"
            )
        return attrs


class RegisterSerializer(serializers.Serializer):
    phone_number = PhoneNumberField()
    password = StrictCharField(write_only=True, trim_whitespace=False, max_length=4096)
    first_name = StrictCharField(required=False, allow_blank=True, max_length=150)
    last_name = StrictCharField(required=False, allow_blank=True, max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)

    class Meta:
        help_texts = docs.REGISTER


class AuthTokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as `Authorization: Token <token>`. Shown only now: the server keeps "
        "a hash of it."
    )
    expiry = serializers.DateTimeField(
        allow_null=True,
        help_text="When the token stops working unless used; each use pushes it back.",
    )
    user = UserSerializer()

    class Meta:
        help_texts = docs.AUTH_TOKEN


class TokenSerializer(serializers.ModelSerializer):
    """One device the caller is logged in on. Never the token, nor its hash."""

    token_key = serializers.CharField(
        read_only=True, help_text="The first characters of the token: which device it is."
    )
    current = serializers.SerializerMethodField(help_text="The token of this very request.")

    class Meta:
        model = AuthToken
        fields = ["token_key", "created", "expiry", "current"]
        read_only_fields = fields
        help_texts = docs.TOKEN

    def get_current(self, token: AuthToken) -> bool:
        used = getattr(self.context.get("request"), "auth", None)
        return isinstance(used, AuthToken) and used.digest == token.digest


@extend_schema_serializer(component_name="PasswordReset")
class PasswordResetRequestSerializer(serializers.Serializer):
    phone_number = PhoneNumberField(help_text="The account's number; the code is sent to it.")


class PasswordResetRequestedSerializer(serializers.Serializer):
    """The same answer for every number: whether it has an account is not told."""

    detail = serializers.CharField()
    code_length = serializers.IntegerField(help_text="How many digits the code has.")
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")

    class Meta:
        help_texts = docs.PASSWORD_RESET_REQUESTED


class PasswordResetConfirmSerializer(serializers.Serializer):
    phone_number = PhoneNumberField()
    code = StrictCharField(max_length=32, help_text="The code from the text message.")
    # Never trimmed: spaces are part of a password, as in Django's own forms.
    new_password = StrictCharField(write_only=True, trim_whitespace=False, max_length=4096)

    class Meta:
        help_texts = docs.PASSWORD_RESET_CONFIRM


# Profile ----------------------------------------------------------------------


class PhotoField(serializers.FileField):
    """An uploaded photo in; out, the URL of the view that serves it to who may see it.

    The service checks what was uploaded (accounts.services.photos). The
    stored file's own name never leaves the server.
    """

    def to_representation(self, value):
        if not value:
            return None
        url = reverse("api:user-photo", kwargs={"pk": value.instance.user_id})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ProfileSerializer(StrictModelSerializer):
    timezone = TimeZoneField(required=False)
    chargepoint_sockets = serializers.ListField(
        child=serializers.ChoiceField(choices=ConnectorType.choices),
        required=False,
        max_length=len(ConnectorType.choices),
        help_text="Preferred connector standards, no repeats.",
    )
    # DRF's lenient number: the profile also takes multipart forms, where all is text.
    tariff_preference = serializers.FloatField(min_value=0, allow_null=True, required=False)
    image = PhotoField(
        required=False,
        allow_null=True,
        help_text=(
            "A photo (multipart/form-data): JPEG, PNG or WebP, at most "
            f"{settings.CSMS_MAX_PHOTO_BYTES:,} bytes and {settings.CSMS_MAX_PHOTO_PIXELS:,} "
            "pixels; null or empty removes it. Shown as the URL that serves it "
            "(users/{id}/photo/, with your token)."
        ),
    )
    cc_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Profile
        fields = [
            "timezone",
            "chargepoint_sockets",
            "tariff_preference",
            "image",
            "cc_masked",
            "cc_brand",
            "cc_last4",
            "cc_expirydate",
        ]
        read_only_fields = ["cc_brand", "cc_last4", "cc_expirydate"]
        help_texts = docs.PROFILE

    def validate_chargepoint_sockets(self, sockets: list[str]) -> list[str]:
        if len(set(sockets)) != len(sockets):
            raise serializers.ValidationError(
                _("Each connector type may appear only once."), code="unique"
            )
        return sockets


class PaymentCardSerializer(StrictModelSerializer):
    """A stored card as anyone may see it: brand, last four digits, expiry."""

    cc_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Profile
        fields = ["cc_masked", "cc_brand", "cc_last4", "cc_expirydate"]
        read_only_fields = fields
        help_texts = docs.CARD


class PaymentCardInputSerializer(serializers.Serializer):
    number = StrictCharField(
        min_length=12, max_length=32, write_only=True, help_text="Digits, spaces allowed."
    )
    expiry = serializers.RegexField(
        r"^(0[1-9]|1[0-2])/([0-9]{2}|[0-9]{4})$",
        write_only=True,
        help_text="MM/YY or MM/YYYY",
        error_messages={"invalid": gettext_lazy("Use MM/YY or MM/YYYY.")},
    )


# Vehicles and id tags ---------------------------------------------------------


class VehicleSerializer(StrictModelSerializer):
    user = UserIdField(required=False, help_text="Operators only; a driver's vehicles are theirs.")

    class Meta:
        model = UserVehicle
        fields = ["id", "user", "license_plate", "make", "model", "type", "created_at"]
        read_only_fields = ["id", "created_at"]
        help_texts = docs.VEHICLE

    def validate_user(self, user: User) -> User:
        request = self.context["request"]
        # Giving a car to someone else is adding one (or changing whose it is) for them.
        needed = (
            "accounts.add_uservehicle" if self.instance is None else "accounts.change_uservehicle"
        )
        if user != request.user and not holds(request.user, needed):
            raise serializers.ValidationError(
                _("Only operators may give a vehicle to someone else."), code="permission_denied"
            )
        return user


# A tag's status as the API spells it (IdTagStatusEnum): OCPP's Accepted is ACCEPTED.
ID_TAG_STATUSES = ["ACCEPTED", "BLOCKED", "EXPIRED"]


class IdTagSerializer(StrictModelSerializer):
    id_token = serializers.CharField(source="idToken", read_only=True)
    # Stored blank for OCPP 1.6 tags, shown null: the API shows no blank enum.
    token_type = NullableChoiceField(choices=IdTokenType.choices, read_only=True)
    # Shown to operators only. Declared optional rather than read-only so the
    # schema does not promise the field to drivers.
    user = serializers.IntegerField(
        source="user_id", required=False, allow_null=True, help_text="Shown to operators only."
    )
    status = serializers.SerializerMethodField()

    class Meta:
        model = IdTag
        fields = [
            "id_token",
            "token_type",
            "revoked",
            "expiry_date",
            "user",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["revoked", "expiry_date", "created_at", "updated_at"]
        help_texts = docs.ID_TAG

    @extend_schema_field(serializers.ChoiceField(choices=ID_TAG_STATUSES))
    def get_status(self, tag: IdTag) -> str:
        return upper_snake(idtag_status(tag=tag))

    def to_representation(self, tag: IdTag):
        data = super().to_representation(tag)
        request = self.context.get("request")
        if request is None or not sees_all(request.user, IdTag):
            data.pop("user")
        return data


# Named as the IdTag it creates (IdTagRequest), so the token types appear in one
# component only and get one enum name.
@extend_schema_serializer(component_name="IdTag")
class IdTagCreateSerializer(serializers.Serializer):
    # OCPP 2.0.1 IdTokenType.idToken is at most 36 characters (1.6 allows 20).
    id_token = StrictCharField(max_length=36)
    token_type = serializers.ChoiceField(
        choices=IdTokenType.choices, required=False, allow_null=True
    )
    expiry_date = serializers.DateTimeField(required=False, allow_null=True)
    user = UserIdField(
        required=False, allow_null=True, help_text="Operators only; null adds an unowned tag."
    )

    class Meta:
        help_texts = docs.ID_TAG

    def validate_token_type(self, value: str | None) -> str:
        # Null (or none given): an OCPP 1.6 tag, stored blank.
        return value or ""

    def validate_id_token(self, value: str) -> str:
        # The tag is addressed by its value in URLs (/id-tags/<tag>/), where a
        # slash cannot be told from a path separator.
        if "/" in value or not value.isprintable():
            raise serializers.ValidationError(
                _("An id tag may not contain '/' or control characters."), code="invalid"
            )
        return value

    def validate(self, attrs):
        request = self.context["request"]
        # A tag for someone else is added, or an unowned one claimed (changed), for
        # them: their charges are billed to them (issue 15).
        others = "user" in attrs and attrs["user"] != request.user
        if others and not holds(request.user, "accounts.add_idtag", "accounts.change_idtag"):
            raise serializers.ValidationError(
                {"user": [_("Only operators may add a tag for someone else.")]},
                code="permission_denied",
            )
        return attrs


# Notifications ----------------------------------------------------------------


class NotificationSerializer(StrictModelSerializer):
    """A notification as shown, and what operators send (POST notifications/)."""

    # Required, so that sending to everyone is a choice and not an omission.
    user = UserIdField(allow_null=True, help_text="The driver, or null for everyone.")
    message = StrictCharField(max_length=4000)
    read = serializers.BooleanField(read_only=True, help_text="Read by the caller.")
    transaction_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "user", "type", "title", "message", "transaction_id", "read", "created_at"]
        read_only_fields = ["id", "transaction_id", "created_at"]
        help_texts = docs.NOTIFICATION


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread until now.")

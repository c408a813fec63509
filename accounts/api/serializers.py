"""What the accounts API reads and shows. Validation of shape only; services decide."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from accounts.enums import AuthorizationStatus, ConnectorType, IdTokenType
from accounts.models import IdTag, Notification, Profile, User, UserVehicle
from accounts.services import idtag_status
from csms.api.fields import StrictCharField, StrictModelSerializer, TimeZoneField
from csms.api.permissions import is_operator

# Seed 003 has drivers upload a profile picture from a phone; 5 MB covers any
# phone photo and keeps a flood of uploads from filling the disk.
MAX_IMAGE_BYTES = 5 * 1024 * 1024


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
    is_operator = serializers.SerializerMethodField()

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

    def get_is_operator(self, user: User) -> bool:
        return is_operator(user)


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


class LoginSerializer(serializers.Serializer):
    phone_number = StrictCharField(required=False, max_length=32)
    username = StrictCharField(required=False, max_length=150)
    # Never trimmed: spaces are part of a password, as in Django's own forms.
    password = StrictCharField(write_only=True, trim_whitespace=False, max_length=4096)

    def validate(self, attrs):
        if ("phone_number" in attrs) == ("username" in attrs):
            raise serializers.ValidationError(
                {"non_field_errors": ["Give either a phone number or a username."]}
            )
        return attrs


class RegisterSerializer(serializers.Serializer):
    phone_number = PhoneNumberField()
    password = StrictCharField(write_only=True, trim_whitespace=False, max_length=4096)
    first_name = StrictCharField(required=False, allow_blank=True, max_length=150)
    last_name = StrictCharField(required=False, allow_blank=True, max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)


class AuthTokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    user = UserSerializer()


# Profile ----------------------------------------------------------------------


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
    image = serializers.ImageField(
        required=False,
        allow_null=True,
        help_text="A picture (multipart/form-data), at most 5 MB; null or empty removes it.",
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

    def validate_chargepoint_sockets(self, sockets: list[str]) -> list[str]:
        if len(set(sockets)) != len(sockets):
            raise serializers.ValidationError("Each connector type may appear only once.")
        return sockets

    def validate_image(self, image):
        if image is not None and image.size > MAX_IMAGE_BYTES:
            raise serializers.ValidationError("The picture may be at most 5 MB.")
        return image


class PaymentCardSerializer(StrictModelSerializer):
    """A stored card as anyone may see it: brand, last four digits, expiry."""

    cc_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Profile
        fields = ["cc_masked", "cc_brand", "cc_last4", "cc_expirydate"]
        read_only_fields = fields


class PaymentCardInputSerializer(serializers.Serializer):
    number = StrictCharField(
        min_length=12, max_length=32, write_only=True, help_text="Digits, spaces allowed."
    )
    expiry = serializers.RegexField(
        r"^(0[1-9]|1[0-2])/([0-9]{2}|[0-9]{4})$",
        write_only=True,
        help_text="MM/YY or MM/YYYY",
        error_messages={"invalid": "Use MM/YY or MM/YYYY."},
    )


# Vehicles and id tags ---------------------------------------------------------


class VehicleSerializer(StrictModelSerializer):
    user = UserIdField(required=False, help_text="Operators only; a driver's vehicles are theirs.")

    class Meta:
        model = UserVehicle
        fields = ["id", "user", "license_plate", "make", "model", "type", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_user(self, user: User) -> User:
        request = self.context["request"]
        if user != request.user and not is_operator(request.user):
            raise serializers.ValidationError("Only operators may give a vehicle to someone else.")
        return user


class IdTagSerializer(StrictModelSerializer):
    id_token = serializers.CharField(source="idToken", read_only=True)
    # Declared so the schema admits the blank type of OCPP 1.6 tags: DRF drops
    # allow_blank from fields it makes read-only.
    token_type = serializers.ChoiceField(
        choices=IdTokenType.choices,
        allow_blank=True,
        read_only=True,
        help_text="OCPP 2.0.1 IdToken type; blank for OCPP 1.6 id tags.",
    )
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
        ]
        read_only_fields = ["revoked", "expiry_date", "created_at"]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[
                AuthorizationStatus.ACCEPTED,
                AuthorizationStatus.BLOCKED,
                AuthorizationStatus.EXPIRED,
            ],
            help_text="What a charger would be told about this tag now.",
        )
    )
    def get_status(self, tag: IdTag) -> str:
        return idtag_status(tag=tag)

    def to_representation(self, tag: IdTag):
        data = super().to_representation(tag)
        request = self.context.get("request")
        if request is None or not is_operator(request.user):
            data.pop("user")
        return data


# Named as the IdTag it creates (IdTagRequest), so the token types appear in one
# component only and get one enum name.
@extend_schema_serializer(component_name="IdTag")
class IdTagCreateSerializer(serializers.Serializer):
    # OCPP 2.0.1 IdTokenType.idToken is at most 36 characters (1.6 allows 20).
    id_token = StrictCharField(max_length=36)
    token_type = serializers.ChoiceField(
        choices=IdTokenType.choices, required=False, allow_blank=True
    )
    expiry_date = serializers.DateTimeField(required=False, allow_null=True)
    user = UserIdField(
        required=False, allow_null=True, help_text="Operators only; null adds an unowned tag."
    )

    def validate_id_token(self, value: str) -> str:
        # The tag is addressed by its value in URLs (/id-tags/<tag>/), where a
        # slash cannot be told from a path separator.
        if "/" in value or not value.isprintable():
            raise serializers.ValidationError(
                "An id tag may not contain '/' or control characters."
            )
        return value

    def validate(self, attrs):
        request = self.context["request"]
        if "user" in attrs and attrs["user"] != request.user and not is_operator(request.user):
            raise serializers.ValidationError(
                {"user": ["Only operators may add a tag for someone else."]}
            )
        return attrs


# Notifications ----------------------------------------------------------------


class NotificationSerializer(StrictModelSerializer):
    """A notification as shown, and what operators send (POST notifications/)."""

    # Required, so that sending to everyone is a choice and not an omission.
    user = UserIdField(allow_null=True, help_text="The driver, or null for everyone.")
    message = StrictCharField(max_length=4000)
    read = serializers.BooleanField(read_only=True, help_text="Read by the caller.")

    class Meta:
        model = Notification
        fields = ["id", "user", "type", "title", "message", "transaction", "read", "created_at"]
        read_only_fields = ["id", "transaction", "created_at"]


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread until now.")

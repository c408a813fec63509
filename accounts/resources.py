"""Drivers and id tags in import and export files (manage.py and the admin).

One definition of the columns and their rules for the import commands
(import_drivers, import_idtags) and the admin's import and export. Drivers
are made as the API makes them (user_create: a profile, the phone number in
E.164 as the username) but with no usable password until they set one.
"""

import copy

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from import_export import widgets
from import_export.fields import Field
from phonenumber_field.phonenumber import PhoneNumber as Number
from phonenumber_field.phonenumber import to_python

from accounts.enums import IdTokenType
from accounts.models import IdTag, User
from accounts.services import user_create, user_may_manage, user_update
from accounts.services.updates import instance_update
from accounts.services.users import MANAGE_REFUSED
from csms.imports.columns import Boolean, Choice, Moment, Text, as_text
from csms.imports.resources import ImportResource

INVALID_NUMBER = "Enter a valid phone number: +66812345678 (E.164), or as dialled in {region}."


def phone_e164(value) -> str | None:
    """The number in E.164, read as dialled in PHONENUMBER_DEFAULT_REGION; None if invalid."""
    text = as_text(value)
    try:
        number = to_python(text, region=settings.PHONENUMBER_DEFAULT_REGION)
    except Exception:  # the library raises its own parse errors for some inputs
        return None
    return number.as_e164 if isinstance(number, Number) and number.is_valid() else None


class E164(dict):
    """Each cell's number in E.164 (None if invalid), parsed once an import.

    A line's number is read by the loader, the checks and the save; parsing
    one costs more than its database row.
    """

    def __missing__(self, value):
        self[value] = number = phone_e164(value)
        return number


def _invalid_number(text: str) -> ValueError:
    region = settings.PHONENUMBER_DEFAULT_REGION or "no region (set CSMS_PHONE_REGION)"
    return ValueError(f"{text!r}: " + INVALID_NUMBER.format(region=region))


class PhoneNumber(widgets.Widget):
    def __init__(self):
        super().__init__()
        self.e164 = E164()

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            raise ValueError("This column needs a value.")
        number = self.e164[text]
        if number is None:
            raise _invalid_number(text)
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if not value else value.as_e164


class StoredResource(ImportResource):
    """Keeps each stored row as it was, to change it through the services."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stored = {}

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            self.stored[self.row_key(row)] = copy.copy(instance)

    def manage_check(self, user: User | None, column: str, errors: dict) -> None:
        # In the admin, rows of an account with more rights than the
        # importer's are refused as the admin refuses them (issue 15).
        manageable = user is None or self.actor is None
        if not manageable and not user_may_manage(actor=self.actor, user=user):
            errors.setdefault(column, []).append(ValidationError(MANAGE_REFUSED))


# --- Drivers -----------------------------------------------------------------------------


class FullName(Field):
    """``name``: first name, then the rest as the last name (get_full_name joins them again)."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        first, _, last = self.clean(row).partition(" ")
        instance.first_name, instance.last_name = first, last.strip()

    def get_value(self, instance):
        return instance.get_full_name()


class DriverResource(StoredResource):
    key_column = "phone_number"
    required_columns = ("phone_number",)
    export_only = ("username", "status", "date_joined")

    phone_number = Field("phone_number", "phone_number", PhoneNumber())
    name = FullName("first_name", "name", Text())
    email = Field("email", "email", Text())
    username = Field("username", "username", Text(), readonly=True)
    status = Field("status", "status", Text(), readonly=True)
    date_joined = Field("date_joined", "date_joined", widgets.DateTimeWidget(), readonly=True)

    class Meta:
        model = User
        fields = ("phone_number", "name", "email", "username", "status", "date_joined")

    def row_key(self, row):
        return self.fields["phone_number"].widget.e164[as_text(row.get(self.key_column))]

    def instances_by_key(self, keys):
        return {
            user.phone_number.as_e164: user for user in User.objects.filter(phone_number__in=keys)
        }

    def row_check(self, instance, row, errors):
        self.manage_check(self.stored.get(self.row_key(row)), "phone_number", errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        data = {"email": instance.email} if "email" in row else {}
        if "name" in row:
            data.update(first_name=instance.first_name, last_name=instance.last_name)
        number = self.row_key(row)
        try:
            with transaction.atomic():
                if is_create:
                    # As a driver signing up (user_register), with no password
                    # until they set one: nobody else ever knows it.
                    user_create(username=number, password=None, phone_number=number, **data)
                else:
                    user_update(user=self.stored[number], data=data)
        except IntegrityError:
            raise ValidationError(
                {"phone_number": ["A user with this phone number exists."]}
            ) from None


# --- Id tags -----------------------------------------------------------------------------


class IdTokenField(Field):
    """The key: set on a new tag only. A stored tag keeps its spelling (tags ignore case)."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        if instance._state.adding:
            super().save(instance, row, is_m2m, **kwargs)


class Owner(widgets.Widget):
    """The owner by phone number; empty means no owner."""

    def __init__(self):
        super().__init__()
        self.users: dict[str, User] = {}
        self.e164 = E164()

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        number = self.e164[text]
        if number is None:
            raise _invalid_number(text)
        if number not in self.users:
            raise ValueError(f"No user has the phone number {number}: import the driver first.")
        return self.users[number]

    def render(self, value, obj=None, **kwargs):
        return "" if value is None or not value.phone_number else value.phone_number.as_e164


class IdTagResource(StoredResource):
    key_column = "id_token"
    required_columns = ("id_token",)
    export_only = ("created_at",)
    export_related = ("user",)

    id_token = IdTokenField("idToken", "id_token", Text())
    type = Field("token_type", "type", Choice(IdTokenType.choices))
    phone_number = Field("user", "phone_number", Owner())
    expiry_date = Field("expiry_date", "expiry_date", Moment())
    blocked = Field("revoked", "blocked", Boolean(), saves_null_values=False)
    created_at = Field("created_at", "created_at", widgets.DateTimeWidget(), readonly=True)

    class Meta:
        model = IdTag
        fields = ("id_token", "type", "phone_number", "expiry_date", "blocked", "created_at")

    def row_key(self, row):
        # Chargers send a card in either case: a tag is one tag regardless of case.
        return as_text(row.get(self.key_column)).lower() or None

    def instances_by_key(self, keys):
        tags = IdTag.objects.annotate(key=Lower("idToken")).filter(key__in=keys)
        return {tag.key: tag for tag in tags.select_related("user")}

    def file_prepare(self, dataset):
        if "phone_number" not in dataset.headers:
            return
        widget = self.fields["phone_number"].widget
        numbers = {widget.e164[as_text(value)] for value in dataset["phone_number"]} - {None}
        owners = User.objects.filter(phone_number__in=numbers)
        widget.users = {u.phone_number.as_e164: u for u in owners}

    def row_check(self, instance, row, errors):
        stored = self.stored.get(self.row_key(row))
        self.manage_check(stored.user if stored else None, "id_token", errors)
        if "phone_number" not in errors:
            self.manage_check(instance.user, "phone_number", errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        fields = {
            field.attribute
            for field in self.get_import_fields()
            if field.column_name in row and not field.readonly and field.attribute != "idToken"
        }
        try:
            with transaction.atomic():
                if is_create:
                    instance.full_clean(exclude=["user"], validate_unique=False)
                    instance.save(force_insert=True)
                else:
                    stored = self.stored[self.row_key(row)]
                    data = {name: getattr(instance, name) for name in fields}
                    instance_update(instance=stored, data=data, fields=fields)
        except IntegrityError:
            # Another spelling of the tag was stored meanwhile (the constraint ignores case).
            raise ValidationError({"id_token": ["This id tag is already registered."]}) from None

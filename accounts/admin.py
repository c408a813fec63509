from creditcards.forms import CardExpiryField, CardNumberField
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.html import format_html
from knox.models import AuthToken

from accounts.models import ApiToken, IdTag, Notification, Profile, User, UserVehicle
from accounts.resources import DriverResource, IdTagResource
from accounts.services import (
    idtags_set_revoked,
    profile_ensure,
    profile_set_payment_card,
    user_may_manage,
)
from accounts.services.photos import photo_check
from accounts.services.tokens import auth_token_revoke, auth_tokens_revoke
from accounts.services.users import MANAGE_REFUSED
from csms.imports.admin import ImportExportAdmin

# Who holds which rights: only a superuser grants them. Whoever else may
# change users could otherwise make themselves superuser, or join a group
# with more rights than they have (issue 15).
RIGHTS_FIELDS = ("is_superuser", "groups", "user_permissions")


class OwnerManagedAdmin(admin.ModelAdmin):
    """Rows that belong to a user (profile, tags, vehicles, devices) are changed
    only by whoever may manage that user (user_may_manage): an operator must not
    revoke a superuser's cards or devices through them."""

    def _owner_manageable(self, request, obj) -> bool:
        return obj is None or obj.user is None or user_may_manage(actor=request.user, user=obj.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and self._owner_manageable(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and self._owner_manageable(request, obj)

    def owners_check(self, request, queryset) -> None:
        """Refuse an action on rows of which any belongs to a user the caller may not manage."""
        for row in queryset.select_related("user"):
            if not self._owner_manageable(request, row):
                raise PermissionDenied(f"{row} belongs to {row.user}: {MANAGE_REFUSED}")

    def delete_queryset(self, request, queryset):
        self.owners_check(request, queryset)
        super().delete_queryset(request, queryset)


class UserVehicleInline(admin.TabularInline):
    model = UserVehicle
    extra = 0


class IdTagInline(admin.TabularInline):
    model = IdTag
    fk_name = "user"
    extra = 0
    fields = ["idToken", "token_type", "revoked", "expiry_date", "parent_id_tag"]
    raw_id_fields = ["parent_id_tag"]


@admin.register(User)
class UserAdmin(ImportExportAdmin, DjangoUserAdmin):
    # Drivers: phone number, name and e-mail (never a password).
    resource_classes = [DriverResource]
    list_display = [
        "username",
        "phone_number",
        "email",
        "first_name",
        "last_name",
        "status",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["status", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "phone_number", "email", "first_name", "last_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Driver", {"fields": ("phone_number", "status")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "phone_number",
                    "status",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    inlines = [UserVehicleInline, IdTagInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += RIGHTS_FIELDS
        return readonly

    # A superuser's account (its details, password, status) is a superuser's
    # to change or delete; others may still view it. The password form asks
    # has_change_permission with the user too.
    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_may_manage(actor=request.user, user=obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_may_manage(actor=request.user, user=obj))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Every user has a profile (seed 000: user 1 -- 1 profile).
        profile_ensure(user=obj)


class _PhotoLink:
    """What the file input shows as the current photo: a link to the photo view."""

    def __init__(self, photo):
        self.url = reverse("api:user-photo", kwargs={"pk": photo.instance.user_id})

    def __str__(self) -> str:
        return "the current photo"


class PhotoInput(forms.ClearableFileInput):
    """Links the current photo to the view that checks who may see it, never to a media URL."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = _PhotoLink(value)
        return context


class ProfileForm(forms.ModelForm):
    """Takes a full card number, validates it and lets the service keep only safe parts."""

    # A plain file field: Django's image field opens the file with Pillow's
    # own limits first, and photo_check's clearer ones would never be seen.
    image = forms.FileField(
        required=False, widget=PhotoInput, help_text="A JPEG, PNG or WebP photo."
    )
    card_number = CardNumberField(
        required=False, help_text="Only the brand and the last four digits are stored."
    )
    card_expiry = CardExpiryField(required=False, help_text="MM/YY")

    class Meta:
        model = Profile
        fields = ["user", "image", "timezone", "chargepoint_sockets", "tariff_preference"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            # The same checks as the API's; the stored name is random (upload_to).
            image.name = f"photo{photo_check(file=image)}"
        return image

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("card_number")) != bool(cleaned.get("card_expiry")):
            raise ValidationError("Give both the card number and its expiry, or neither.")
        return cleaned


@admin.register(Profile)
class ProfileAdmin(OwnerManagedAdmin):
    form = ProfileForm
    list_display = ["user", "timezone", "card", "tariff_preference"]
    list_filter = ["cc_brand"]
    search_fields = ["user__username", "user__phone_number", "cc_last4"]
    readonly_fields = ["card", "photo"]
    raw_id_fields = ["user"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # Who may only view gets the photo as a link to the photo view: Django
        # would link the file's media URL, which serves nothing.
        hidden = "photo" if self.has_change_permission(request, obj) else "image"
        return [name for name in fields if name != hidden]

    @admin.display(description="photo")
    def photo(self, obj: Profile) -> str:
        if not obj.image:
            return "—"
        link = _PhotoLink(obj.image)
        return format_html('<a href="{}">{}</a>', link.url, link)

    @admin.display(description="payment card")
    def card(self, obj: Profile) -> str:
        if not obj.cc_last4:
            return "—"
        return f"{obj.cc_masked}, expires {obj.cc_expirydate:%m/%Y}"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        number = form.cleaned_data.get("card_number")
        if number:
            profile_set_payment_card(
                profile=obj, number=number, expiry=form.cleaned_data["card_expiry"]
            )
            messages.info(request, f"Payment card stored as {obj.cc_masked}.")


@admin.register(UserVehicle)
class UserVehicleAdmin(OwnerManagedAdmin):
    list_display = ["license_plate", "make", "model", "type", "user"]
    list_filter = ["type", "make"]
    search_fields = ["license_plate", "make", "model", "user__username", "user__phone_number"]
    raw_id_fields = ["user"]


@admin.register(IdTag)
class IdTagAdmin(ImportExportAdmin, OwnerManagedAdmin):
    resource_classes = [IdTagResource]
    list_display = ["idToken", "user", "token_type", "revoked", "expiry_date", "parent_id_tag"]
    list_filter = ["revoked", "token_type"]
    search_fields = ["idToken", "user__username", "user__phone_number"]
    raw_id_fields = ["user", "parent_id_tag"]
    readonly_fields = ["created_at"]
    actions = ["revoke", "reinstate"]

    # Revoking or reinstating a tag is changing it (issue 15: a view-only
    # staff user could revoke every driver's card).
    @admin.action(description="Revoke the selected id tags", permissions=["change"])
    def revoke(self, request, queryset):
        self.owners_check(request, queryset)
        count = idtags_set_revoked(id_tags=queryset, revoked=True)
        self.message_user(request, f"{count} id tag(s) revoked.")

    @admin.action(description="Reinstate the selected id tags", permissions=["change"])
    def reinstate(self, request, queryset):
        self.owners_check(request, queryset)
        count = idtags_set_revoked(id_tags=queryset, revoked=False)
        self.message_user(request, f"{count} id tag(s) reinstated.")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "type", "user", "is_read", "created_at"]
    list_filter = ["type", "is_read"]
    search_fields = ["title", "message", "user__username", "user__phone_number"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"


# Knox's own admin lists tokens by their digest and hands out new ones.
# Tokens come from logging in only; this admin shows which devices a user is
# logged in on and revokes them, and shows no secret.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(OwnerManagedAdmin):
    list_display = ["token_key", "user", "created", "expiry"]
    # No links to the rows: their address would carry the digest.
    list_display_links = None
    list_select_related = ["user"]
    search_fields = ["token_key", "user__username", "user__phone_number"]
    fields = ["token_key", "user", "created", "expiry"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        # An operator holding a driver's token could act as the driver.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        # The service also closes the sockets opened with the token.
        auth_token_revoke(token=obj)

    def delete_queryset(self, request, queryset):
        self.owners_check(request, queryset)
        auth_tokens_revoke(tokens=queryset)

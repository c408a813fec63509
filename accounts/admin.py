from creditcards.forms import CardExpiryField, CardNumberField
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from accounts.models import IdTag, Notification, Profile, User, UserVehicle
from accounts.services import idtags_set_revoked, profile_ensure, profile_set_payment_card


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
class UserAdmin(DjangoUserAdmin):
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Every user has a profile (seed 000: user 1 -- 1 profile).
        profile_ensure(user=obj)


class ProfileForm(forms.ModelForm):
    """Takes a full card number, validates it and lets the service keep only safe parts."""

    card_number = CardNumberField(
        required=False, help_text="Only the brand and the last four digits are stored."
    )
    card_expiry = CardExpiryField(required=False, help_text="MM/YY")

    class Meta:
        model = Profile
        fields = ["user", "image", "timezone", "chargepoint_sockets", "tariff_preference"]

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("card_number")) != bool(cleaned.get("card_expiry")):
            raise ValidationError("Give both the card number and its expiry, or neither.")
        return cleaned


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    form = ProfileForm
    list_display = ["user", "timezone", "card", "tariff_preference"]
    list_filter = ["cc_brand"]
    search_fields = ["user__username", "user__phone_number", "cc_last4"]
    readonly_fields = ["card"]
    raw_id_fields = ["user"]

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
class UserVehicleAdmin(admin.ModelAdmin):
    list_display = ["license_plate", "make", "model", "type", "user"]
    list_filter = ["type", "make"]
    search_fields = ["license_plate", "make", "model", "user__username", "user__phone_number"]
    raw_id_fields = ["user"]


@admin.register(IdTag)
class IdTagAdmin(admin.ModelAdmin):
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
        count = idtags_set_revoked(id_tags=queryset, revoked=True)
        self.message_user(request, f"{count} id tag(s) revoked.")

    @admin.action(description="Reinstate the selected id tags", permissions=["change"])
    def reinstate(self, request, queryset):
        count = idtags_set_revoked(id_tags=queryset, revoked=False)
        self.message_user(request, f"{count} id tag(s) reinstated.")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "type", "user", "is_read", "created_at"]
    list_filter = ["type", "is_read"]
    search_fields = ["title", "message", "user__username", "user__phone_number"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"

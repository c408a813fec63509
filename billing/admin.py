from django.contrib import admin
from django.db import models

from billing.models import CDR, Tariff, TariffElement


class TariffElementInline(admin.StackedInline):
    model = TariffElement
    extra = 0


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["id", "__str__", "country_code", "party_id", "currency", "type", "last_updated"]
    list_filter = ["currency", "type", "country_code", "party_id"]
    search_fields = ["id", "party_id"]
    readonly_fields = ["last_updated"]
    inlines = [TariffElementInline]
    # A tariff URL typed without a scheme is an https one (Django 6.0's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(TariffElement)
class TariffElementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tariff", "position"]
    search_fields = ["tariff__id"]
    raw_id_fields = ["tariff"]


@admin.register(CDR)
class CDRAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "start_date_time",
        "end_date_time",
        "session_id",
        "total_energy",
        "total_cost",
        "currency",
        "auth_method",
        "credit",
    ]
    list_filter = ["credit", "auth_method", "currency", "home_charging_compensation"]
    search_fields = ["id", "session_id", "authorization_reference", "credit_reference_id"]
    date_hierarchy = "end_date_time"
    raw_id_fields = ["transaction", "id_tag", "location"]
    filter_horizontal = ["tariffs"]
    readonly_fields = ["last_updated"]

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CsmsConfig(AppConfig):
    """Project-wide commands (no models)."""

    name = "csms"
    verbose_name = "CSMS"


class CsmsAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on our site (csms/admin_site.py): the network first."""

    default_site = "csms.admin_site.CsmsAdminSite"
    # Django's own is its module's default; this one is named in INSTALLED_APPS.
    default = False

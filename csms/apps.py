from django.apps import AppConfig


class CsmsConfig(AppConfig):
    """Project-wide commands (no models)."""

    name = "csms"
    verbose_name = "CSMS"

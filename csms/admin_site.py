"""The admin site: the charging network first, then drivers, billing and the gateway.

Django lists an admin's apps alphabetically, which put "Authentication and
Authorization" and "Axes" (user accounts and login lock-outs) above what
operators run the network with.
"""

from django.contrib.admin import AdminSite

# Apps in the order an operator reaches for them; any other app follows, by name.
APP_ORDER = ["chargepoints", "accounts", "billing", "ocpp_gateway", "auth", "axes"]


def app_position(app: dict) -> tuple[int, str]:
    label = app["app_label"]
    rank = APP_ORDER.index(label) if label in APP_ORDER else len(APP_ORDER)
    return rank, app["name"]


class CsmsAdminSite(AdminSite):
    site_header = "CSMS administration"
    site_title = "CSMS"
    index_title = "Charge points, drivers and billing"

    def get_app_list(self, request, app_label=None):
        return sorted(super().get_app_list(request, app_label), key=app_position)

"""The admin site: the charging network first, then drivers, billing and the gateway.

Django lists an admin's apps alphabetically, which put "Authentication and
Authorization" and "Axes" (user accounts and login lock-outs) above what
operators run the network with.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import JsonResponse
from django.urls import path

from csms.dashboard import dashboard

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

    # The front page is the dashboard (csms/dashboard.py): each user sees the
    # figures and charts their view permissions cover, the app list below.

    def index(self, request, extra_context=None):
        user = request.user
        markers = dashboard.markers_for(user) if settings.CSMS_MAP_TILE_URL else []
        context = {
            "dashboard_sections": dashboard.figures_for(user),
            "dashboard_tables": [
                (table, [_cells(table, row) for row in rows])
                for table, rows in dashboard.tables_for(user)
            ],
            "dashboard_scopes": dashboard.scopes_for(user),
            "dashboard_charts": dashboard.charts_for(user),
            "dashboard_map": bool(settings.CSMS_MAP_TILE_URL and dashboard.map_layers)
            and any(user.has_perm(layer.permission) for layer in dashboard.map_layers),
            "dashboard_markers": markers,
            "map_tile_url": settings.CSMS_MAP_TILE_URL,
            "map_tile_attribution": settings.CSMS_MAP_TILE_ATTRIBUTION,
            **(extra_context or {}),
        }
        return super().index(request, context)

    def get_urls(self):
        # admin_view: staff session, CSRF and never-cache like every admin page.
        return [
            path(
                "dashboard/figures/",
                self.admin_view(self.dashboard_figures_view),
                name="dashboard_figures",
            ),
            path(
                "dashboard/charts/<slug:name>/",
                self.admin_view(self.dashboard_chart_view),
                name="dashboard_chart",
            ),
            *super().get_urls(),
        ]

    def dashboard_figures_view(self, request):
        user = request.user
        sections = dashboard.figures_for(user)
        tables = dashboard.tables_for(user)
        if not sections and not tables:
            return _refused()
        return JsonResponse(
            {
                "figures": {f.key: f.value for _, figures in sections for f in figures},
                "tables": {table.key: rows for table, rows in tables},
            }
        )

    def dashboard_chart_view(self, request, name):
        chart = dashboard.charts.get(name)
        if chart is None:
            return JsonResponse({"detail": "No such chart."}, status=404)
        if not request.user.has_perm(chart.permission):
            return _refused()
        # Checked before any id is looked up (csms.dashboard.ChartScope).
        params = dashboard.chart_params(request.user, request.GET.dict())
        if params is None:
            return _refused()
        try:
            data = chart.data(params)
        except LookupError as error:
            return JsonResponse({"detail": str(error)}, status=404)
        return JsonResponse({"name": name, "title": chart.title, "kind": chart.kind, **data})


def _cells(table, row: dict) -> dict:
    return {**row, "cells": [row.get(key, "") for key, _ in table.columns]}


def _refused() -> JsonResponse:
    return JsonResponse({"detail": "You do not have permission to see this."}, status=403)

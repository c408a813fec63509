"""The charging network on the admin's dashboard (csms/dashboard.py): figures, charts, map.

Every figure links to the admin list filtered the way it was counted
(chargepoints/dashboard_selectors.py holds the definitions).
"""

import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin.utils import quote
from django.urls import reverse

from chargepoints import chart_selectors, dashboard_selectors
from chargepoints.enums import ChargePointStatus, TransactionStatus
from chargepoints.models import ChargePoint, Location, Transaction
from chargepoints.selectors import chargepoint_time_zone
from csms.dashboard import Chart, ChartScope, Figure, FigureGroup, MapLayer, Table, dashboard


def changelist(model: str, **filters) -> str:
    url = reverse(f"admin:chargepoints_{model}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def site_time_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _chargers() -> list[Figure]:
    counts = dashboard_selectors.chargers_at_a_glance()
    return [
        Figure(
            "chargers_online",
            "Online",
            counts["online"],
            changelist("chargepoint", connected__exact=1),
        ),
        Figure(
            "chargers_offline",
            "Offline",
            counts["offline"],
            changelist("chargepoint", connected__exact=0),
        ),
        Figure(
            "chargers_faulted",
            "Faulted",
            counts["faulted"],
            changelist("chargepoint", connected__exact=1, status__exact="Faulted"),
            tone="alert",
        ),
        Figure(
            "chargers_unavailable",
            "Unavailable",
            counts["unavailable"],
            changelist("chargepoint", connected__exact=1, status__exact="Unavailable"),
            tone="warning",
        ),
    ]


def _connectors() -> list[Figure]:
    counts = dashboard_selectors.connectors_by_status()
    return [
        Figure(
            f"connectors_{status.lower()}",
            ChargePointStatus(status).label,
            counts[status],
            changelist("connector", connector_status__exact=status),
            tone="alert" if status == ChargePointStatus.FAULTED else "",
        )
        for status in ChargePointStatus.values
    ]


def _sessions() -> list[Figure]:
    energy = chart_selectors.energy_series(
        transactions=Transaction.objects.all(), tz=site_time_zone(), unit="day", count=1
    )
    midnight, today_kwh = energy[-1]
    return [
        Figure(
            "sessions_active",
            "Active sessions",
            Transaction.objects.filter(dashboard_selectors.ACTIVE).count(),
            changelist("transaction", transaction_status__exact=TransactionStatus.ACTIVE),
        ),
        Figure(
            "energy_today_kwh",
            "Energy today (kWh)",
            today_kwh,
            # Lists the sessions started today; one started yesterday adds its
            # share of today to the figure but is not listed.
            changelist("transaction", start_transaction_timestamp__gte=midnight.isoformat()),
        ),
        Figure(
            "transactions_flagged",
            "Flagged for review",
            Transaction.objects.filter(dashboard_selectors.FLAGGED).count(),
            changelist("transaction", needs_review__exact=1),
            tone="warning",
        ),
    ]


def _commands() -> list[Figure]:
    # The count and its list's filter from one moment, so they agree.
    since = dashboard_selectors.last_24h()
    statuses = ",".join(dashboard_selectors.COMMAND_FAILED_STATUSES)
    return [
        Figure(
            "commands_failed_24h",
            "Commands failed (24 h)",
            dashboard_selectors.commands_failed(since=since).count(),
            changelist("command", status__in=statuses, created_at__gte=since.isoformat()),
            tone="alert",
        )
    ]


def _security() -> list[Figure]:
    since = dashboard_selectors.last_24h()
    kinds = ",".join(dashboard_selectors.SECURITY_EVENT_KINDS)
    return [
        Figure(
            "security_events_24h",
            "Security events (24 h)",
            dashboard_selectors.security_events(since=since).count(),
            changelist("chargerevent", kind__in=kinds, timestamp__gte=since.isoformat()),
            tone="alert",
        )
    ]


def _active_sessions() -> list[dict]:
    rows = []
    for tx in dashboard_selectors.active_sessions():
        power = tx.last_power_w
        rows.append(
            {
                "id": tx.pk,
                "url": reverse("admin:chargepoints_transaction_change", args=[tx.pk]),
                "transaction": str(tx.pk),
                "chargepoint": str(tx.chargepoint),
                "connector": str(tx.connector.connectorid) if tx.connector else "—",
                "started": tx.start_transaction_timestamp.isoformat(timespec="seconds"),
                "power": "—" if power is None else f"{power / 1000:.1f} kW",
                "energy": f"{tx.energy_wh / 1000:.3f} kWh",
            }
        )
    return rows


# Charts: the network's, a location's (?location=<id>) or a charger's (?chargepoint=<id>).


def _scope(params: dict[str, str]):
    """The transactions, chargers and time zone a chart's parameters ask for, and its name.

    The name keys what chart_selectors keeps in the cache: each scope its own.
    """
    if params.get("chargepoint"):
        chargepoint = (
            ChargePoint.objects.select_related("location").filter(pk=params["chargepoint"]).first()
        )
        if chargepoint is None:
            raise LookupError("No such charge point.")
        # The charger's days, as its energy totals count them (chargepoint_energy_totals).
        return (
            Transaction.objects.filter(chargepoint=chargepoint),
            ChargePoint.objects.filter(pk=chargepoint.pk),
            chargepoint_time_zone(chargepoint=chargepoint),
            f"chargepoint:{chargepoint.pk}",
        )
    if params.get("location"):
        location = Location.objects.filter(pk=params["location"]).first()
        if location is None:
            raise LookupError("No such location.")
        return (
            Transaction.objects.filter(chargepoint__location=location),
            ChargePoint.objects.filter(location=location),
            location.time_zone,
            f"location:{location.pk}",
        )
    return Transaction.objects.all(), ChargePoint.objects.all(), site_time_zone(), "network"


def _energy(unit: str, count: int, label_format: str):
    def data(params: dict[str, str]) -> dict:
        transactions, _, tz, name = _scope(params)
        series = chart_selectors.energy_series(
            transactions=transactions, tz=tz, unit=unit, count=count, cache_scope=name
        )
        return {
            "labels": [start.strftime(label_format) for start, _ in series],
            "datasets": [{"label": "Energy (kWh)", "data": [kwh for _, kwh in series]}],
            "unit": "kWh",
            "time_zone": str(tz),
        }

    return data


def _sessions_by_hour(params: dict[str, str]) -> dict:
    transactions, _, tz, _ = _scope(params)
    hours = chart_selectors.sessions_by_hour(transactions=transactions, tz=tz)
    return {
        "labels": [f"{hour:02d}:00" for hour in range(24)],
        "datasets": [{"label": "Sessions started (last 30 days)", "data": hours}],
        "unit": "sessions",
        "time_zone": str(tz),
    }


def _availability(params: dict[str, str]) -> dict:
    _, chargepoints, tz, _ = _scope(params)
    series = chart_selectors.availability_by_day(chargepoints=chargepoints, tz=tz)
    return {
        "labels": [start.strftime("%a %d") for start, _ in series],
        "datasets": [{"label": "In service (%)", "data": [share for _, share in series]}],
        "unit": "%",
        "time_zone": str(tz),
    }


def _markers() -> list[dict]:
    return [
        {
            **marker,
            "url": reverse("admin:chargepoints_location_change", args=[quote(marker["id"])]),
            "text": f"{marker['online']}/{marker['total']} chargers online",
        }
        for marker in dashboard_selectors.location_markers()
    ]


def register() -> None:
    dashboard.register_figures(
        FigureGroup("Chargers", "chargepoints.view_chargepoint", _chargers, order=10)
    )
    dashboard.register_figures(
        FigureGroup("Sessions", "chargepoints.view_transaction", _sessions, order=20)
    )
    dashboard.register_figures(
        FigureGroup("Alerts", "chargepoints.view_command", _commands, order=40)
    )
    dashboard.register_figures(
        FigureGroup("Alerts", "chargepoints.view_chargerevent", _security, order=41)
    )
    dashboard.register_figures(
        FigureGroup("Connectors", "chargepoints.view_connector", _connectors, order=50)
    )
    dashboard.register_table(
        Table(
            key="active-sessions",
            title="Active sessions",
            permission="chargepoints.view_transaction",
            columns=[
                ("transaction", "Transaction"),
                ("chargepoint", "Charge point"),
                ("connector", "Connector"),
                ("started", "Started"),
                ("power", "Power"),
                ("energy", "Energy"),
            ],
            rows=_active_sessions,
            row_attribute="transaction",
        )
    )
    for chart in [
        Chart(
            "energy_daily",
            "Energy per day, last 30 days",
            "chargepoints.view_transaction",
            _energy("day", 30, "%d %b"),
            order=10,
        ),
        Chart(
            "energy_monthly",
            "Energy per month, last 12 months",
            "chargepoints.view_transaction",
            _energy("month", 12, "%b %Y"),
            order=20,
        ),
        Chart(
            "sessions_by_hour",
            "Sessions per hour of day, last 30 days",
            "chargepoints.view_transaction",
            _sessions_by_hour,
            order=30,
        ),
        Chart(
            "availability_7d",
            "Charger availability, last 7 days",
            "chargepoints.view_chargepoint",
            _availability,
            kind="line",
            order=40,
        ),
    ]:
        dashboard.register_chart(chart)
    dashboard.register_map_layer(MapLayer("chargepoints.view_location", _markers))
    dashboard.register_scope(
        ChartScope(
            "location",
            "Location",
            "chargepoints.view_location",
            lambda: [(str(pk), name) for pk, name in Location.objects.values_list("pk", "name")],
        )
    )
    # The charger page's charts (chargepoints/admin/charger_page.py).
    dashboard.register_scope(
        ChartScope("chargepoint", "Charge point", "chargepoints.view_chargepoint")
    )


register()

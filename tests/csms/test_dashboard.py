"""Issue 17: the admin's front page is the network's dashboard."""

import datetime
import re
import time
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_create
from billing.models import TransactionPricing
from chargepoints.chart_selectors import availability_by_day, energy_series, sessions_by_hour
from chargepoints.enums import ChargerEventKind, CommandName, CommandSource, CommandStatus
from chargepoints.models import (
    ChargePoint,
    ChargerEvent,
    Command,
    Connector,
    Heartbeat,
    Location,
    SampledValue,
    StatusNotification,
    Transaction,
)
from chargepoints.selectors import energy_totals
from tests.rights import OPERATORS, SUPPORT, user_in_group

CHARTS = ["energy_daily", "energy_monthly", "sessions_by_hour", "availability_7d"]
UTC = datetime.UTC


def figure(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}">([^<]*)<', html)
    assert match, f"no figure {key}"
    return match.group(1).strip()


def figure_link(html: str, key: str) -> str:
    match = re.search(rf'href="([^"]*)">\s*<span class="csms-card-value" data-figure="{key}"', html)
    assert match, f"no link around {key}"
    return match.group(1).replace("&amp;", "&")


@pytest.fixture
def network(location):
    now = timezone.now()
    online = ChargePoint.objects.create(chargepoint_id="CP-ON", location=location, connected=True)
    faulted = ChargePoint.objects.create(
        chargepoint_id="CP-FAULT", location=location, connected=True, status="Faulted"
    )
    ChargePoint.objects.create(chargepoint_id="CP-OFF", location=location, connected=False)
    # An offline charger's old Faulted status says nothing about now.
    ChargePoint.objects.create(chargepoint_id="CP-OLD", connected=False, status="Faulted")
    charging = Connector.objects.create(
        chargepoint=online, connectorid=1, connector_status="Charging"
    )
    Connector.objects.create(chargepoint=online, connectorid=2, connector_status="Available")
    Connector.objects.create(chargepoint=faulted, connectorid=1, connector_status="Faulted")
    active = Transaction.objects.create(
        chargepoint=online,
        connector=charging,
        start_transaction_timestamp=now - datetime.timedelta(minutes=30),
        wh_meter_start=1000,
        wh_meter_last=8400,
        last_power_w=7400,
    )
    SampledValue.objects.create(
        chargepoint=online,
        transaction=active,
        timestamp=now - datetime.timedelta(minutes=1),
        value="8400",
        numeric_value=8400,
    )
    done = Transaction.objects.create(
        chargepoint=online,
        connector=charging,
        start_transaction_timestamp=now - datetime.timedelta(minutes=90),
        stop_transaction_timestamp=now - datetime.timedelta(minutes=40),
        wh_meter_start=500,
        wh_meter_stop=1000,
        transaction_status="COMPLETED",
        needs_review=True,
    )
    TransactionPricing.objects.create(
        transaction=done, total_cost=Decimal("4.25"), tariff_snapshot={"currency": "EUR"}
    )
    for status, age in [
        (CommandStatus.TIMED_OUT, 1),
        (CommandStatus.REJECTED, 2),
        (CommandStatus.ACCEPTED, 1),
        (CommandStatus.FAILED, 30),  # older than a day
    ]:
        Command.objects.create(
            chargepoint=online,
            name=CommandName.RESET,
            source=CommandSource.ADMIN,
            message_id=f"m-{status}-{age}",
            status=status,
            created_at=now - datetime.timedelta(hours=age),
        )
    for kind, age in [
        (ChargerEventKind.SECURITY_EVENT, 1),
        (ChargerEventKind.CONNECTION_REFUSED, 2),
        (ChargerEventKind.FIRMWARE_STATUS, 1),
        (ChargerEventKind.SECURITY_EVENT, 48),
    ]:
        ChargerEvent.objects.create(
            chargepoint=online, kind=kind, timestamp=now - datetime.timedelta(hours=age)
        )
    return {"active": active, "done": done}


@pytest.fixture
def operator_client(client, db):
    client.force_login(user_in_group(OPERATORS, username="op", is_staff=True))
    return client


@pytest.mark.django_db
def test_the_front_page_shows_the_network_at_a_glance(operator_client, network):
    html = operator_client.get(reverse("admin:index")).content.decode()

    assert figure(html, "chargers_online") == "2"
    assert figure(html, "chargers_offline") == "2"
    assert figure(html, "chargers_faulted") == "1"
    assert figure(html, "chargers_unavailable") == "0"
    assert figure(html, "connectors_charging") == "1"
    assert figure(html, "connectors_available") == "1"
    assert figure(html, "connectors_faulted") == "1"
    assert figure(html, "sessions_active") == "1"
    # 7.4 kWh of the active one, 0.5 of the one finished 40 minutes ago
    # (both today unless the test runs just after midnight).
    if timezone.localtime().hour >= 2:
        assert figure(html, "energy_today_kwh") == "7.9"
    assert figure(html, "revenue_today") in ("4.25 EUR", "0.00")
    assert figure(html, "commands_failed_24h") == "2"
    assert figure(html, "transactions_flagged") == "1"
    assert figure(html, "security_events_24h") == "2"
    row = re.search(rf'<tr data-transaction="{network["active"].pk}">(.*?)</tr>', html, re.S)
    assert row and "7.4 kW" in row.group(1) and "7.400 kWh" in row.group(1)
    assert 'id="active-sessions"' in html
    # The app list stays below.
    assert html.index('data-figure="chargers_online"') < html.index("app-chargepoints")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [
        "chargers_online",
        "chargers_offline",
        "chargers_faulted",
        "chargers_unavailable",
        "connectors_charging",
        "connectors_faulted",
        "sessions_active",
        "commands_failed_24h",
        "transactions_flagged",
        "security_events_24h",
    ],
)
def test_each_figure_links_to_the_list_it_counts(operator_client, network, key):
    html = operator_client.get(reverse("admin:index")).content.decode()

    listed = operator_client.get(figure_link(html, key))

    assert listed.status_code == 200
    # The admin ignores no filter it was given: a refused one redirects with ?e=1.
    assert listed.context["cl"].result_count == int(figure(html, key))


@pytest.mark.django_db
def test_the_revenue_links_to_the_transactions_that_ended_today(operator_client, network):
    html = operator_client.get(reverse("admin:index")).content.decode()

    listed = operator_client.get(figure_link(html, "revenue_today"))

    assert listed.status_code == 200
    assert [tx.pk for tx in listed.context["cl"].result_list] == [network["done"].pk]


@pytest.mark.django_db
def test_the_figures_endpoint_answers_the_same_numbers(operator_client, network):
    answer = operator_client.get(reverse("admin:dashboard_figures")).json()

    figures = answer["figures"]
    assert figures["chargers_online"] == 2
    assert figures["chargers_faulted"] == 1
    assert figures["connectors_charging"] == 1
    assert figures["commands_failed_24h"] == 2
    assert figures["security_events_24h"] == 2
    assert figures["transactions_flagged"] == 1
    assert [row["id"] for row in answer["tables"]["active-sessions"]] == [network["active"].pk]
    assert answer["tables"]["active-sessions"][0]["power"] == "7.4 kW"


def staff_with(*codenames: str):
    user = user_create(username="-".join(codenames) or "bare", password="x", is_staff=True)
    for codename in codenames:
        app, code = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=code)
        )
    return user


@pytest.mark.django_db
def test_a_figure_is_shown_only_with_its_view_permission(client, network):
    client.force_login(staff_with("chargepoints.view_chargepoint"))

    html = client.get(reverse("admin:index")).content.decode()
    figures = client.get(reverse("admin:dashboard_figures")).json()["figures"]

    assert figure(html, "chargers_online") == "2"
    for hidden in [
        "sessions_active",
        "revenue_today",
        "connectors_charging",
        "commands_failed_24h",
    ]:
        assert f'data-figure="{hidden}"' not in html
        assert hidden not in figures
    assert 'id="active-sessions"' not in html
    # Availability is the chargers' own; energy charts need the transactions.
    assert 'data-chart="availability_7d"' in html
    assert 'data-chart="energy_daily"' not in html
    assert client.get(reverse("admin:dashboard_chart", args=["energy_daily"])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("param", "right"),
    [("chargepoint", "view_chargepoint"), ("location", "view_location")],
)
def test_a_chart_scope_needs_its_own_view_right_whether_the_id_exists_or_not(
    client, network, location, param, right
):
    # Otherwise 200 for a real id and 404 for another tell which ids exist.
    real = {"chargepoint": "CP-ON", "location": location.pk}[param]
    url = reverse("admin:dashboard_chart", args=["energy_daily"])
    client.force_login(staff_with("chargepoints.view_transaction"))

    known = client.get(url, {param: real})
    unknown = client.get(url, {param: "NO-SUCH"})

    assert (known.status_code, unknown.status_code) == (403, 403)
    assert known.json() == unknown.json()
    assert client.get(url).status_code == 200
    client.force_login(staff_with("chargepoints.view_transaction", f"chargepoints.{right}"))
    assert client.get(url, {param: real}).status_code == 200
    assert client.get(url, {param: "NO-SUCH"}).status_code == 404


@pytest.mark.django_db
def test_staff_without_view_permissions_get_no_dashboard_and_403_json(client, network):
    client.force_login(staff_with())

    page = client.get(reverse("admin:index"))

    assert page.status_code == 200
    assert "data-figure" not in page.content.decode()
    for url in [reverse("admin:dashboard_figures")] + [
        reverse("admin:dashboard_chart", args=[name]) for name in CHARTS
    ]:
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert refused.json()["detail"]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login(client):
    for url in [reverse("admin:dashboard_figures")] + [
        reverse("admin:dashboard_chart", args=[name]) for name in CHARTS
    ]:
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_non_staff_users_are_sent_to_the_login(client, driver):
    client.force_login(driver)

    answer = client.get(reverse("admin:dashboard_figures"))

    assert answer.status_code == 302


@pytest.mark.django_db
def test_support_sees_every_figure_and_chart(client, network):
    client.force_login(user_in_group(SUPPORT, username="desk", is_staff=True))

    html = client.get(reverse("admin:index")).content.decode()

    for key in ["chargers_online", "revenue_today", "security_events_24h", "connectors_faulted"]:
        assert f'data-figure="{key}"' in html
    for name in CHARTS:
        assert f'data-chart="{name}"' in html
    assert "vendor/chart.js/chart.umd.min.js" in html
    assert 'data-csms-live="/ws/admin/live/"' in html
    assert "csms/live.js" in html


BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HOUR = datetime.timedelta(hours=1)


def _session(connector, start, stop, wh_start, wh_stop, readings=()):
    tx = Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        start_transaction_timestamp=start,
        stop_transaction_timestamp=stop,
        wh_meter_start=wh_start,
        wh_meter_stop=wh_stop,
        transaction_status="COMPLETED" if stop else "ACTIVE",
    )
    for moment, wh in readings:
        SampledValue.objects.create(
            chargepoint=connector.chargepoint,
            transaction=tx,
            timestamp=moment,
            value=str(wh),
            numeric_value=wh,
        )
    return tx


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)


@pytest.mark.django_db
def test_energy_per_day_splits_a_session_across_midnight_like_the_totals(connector):
    now = at(2026, 3, 18, 12, 0)
    # 22:00 -> 02:00, 1 kWh an hour: 2 kWh on the 16th, 2 on the 17th.
    _session(
        connector,
        at(2026, 3, 16, 22),
        at(2026, 3, 17, 2),
        0,
        4000,
        readings=[(at(2026, 3, 16, 23), 1000), (at(2026, 3, 17, 1), 3000)],
    )
    # Today: 3 kWh so far, still charging.
    _session(
        connector, at(2026, 3, 18, 9), None, 10000, None, readings=[(at(2026, 3, 18, 11), 13000)]
    )

    series = energy_series(
        transactions=Transaction.objects.all(), tz=BERLIN, unit="day", count=30, now=now
    )

    assert len(series) == 30
    assert series[-1] == (at(2026, 3, 18), 3.0)
    assert series[-2] == (at(2026, 3, 17), 2.0)
    assert series[-3] == (at(2026, 3, 16), 2.0)
    assert sum(kwh for _, kwh in series) == 7.0
    totals = energy_totals(transactions=Transaction.objects.all(), tz=BERLIN, now=now)
    assert series[-1][1] == totals.day
    months = energy_series(
        transactions=Transaction.objects.all(), tz=BERLIN, unit="month", count=12, now=now
    )
    assert months[-1] == (at(2026, 3, 1), 7.0)
    assert months[0][0] == at(2025, 4, 1)
    assert months[-1][1] == totals.month


@pytest.mark.django_db
def test_the_energy_chart_endpoints_answer_per_network_location_and_charger(
    operator_client, connector
):
    other_site = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Other",
        address="x",
        city="y",
        coordinates={"latitude": "50", "longitude": "8"},
        parking_type="PARKING_LOT",
        time_zone="UTC",
    )
    elsewhere = ChargePoint.objects.create(chargepoint_id="CP-ELSE", location=other_site)
    plug = Connector.objects.create(chargepoint=elsewhere, connectorid=1)
    now = timezone.now()
    _session(connector, now - datetime.timedelta(minutes=20), now, 0, 2000)
    _session(plug, now - datetime.timedelta(minutes=20), now, 0, 5000)
    url = reverse("admin:dashboard_chart", args=["energy_daily"])

    network = operator_client.get(url).json()
    site = operator_client.get(url, {"location": connector.chargepoint.location_id}).json()
    charger = operator_client.get(url, {"chargepoint": "CP-ELSE"}).json()
    monthly = operator_client.get(reverse("admin:dashboard_chart", args=["energy_monthly"])).json()

    assert len(network["labels"]) == 30
    assert network["datasets"][0]["data"][-1] == 7.0
    assert site["datasets"][0]["data"][-1] == 2.0
    assert site["time_zone"] == "Europe/Berlin"
    assert charger["datasets"][0]["data"][-1] == 5.0
    assert len(monthly["labels"]) == 12 and monthly["datasets"][0]["data"][-1] == 7.0
    assert operator_client.get(url, {"chargepoint": "nope"}).status_code == 404


@pytest.mark.django_db
def test_past_days_are_kept_per_scope_for_ten_minutes_today_is_always_read(
    operator_client, connector, settings, monkeypatch
):
    # A refresh re-reads today only: not every reading of the month or year.
    settings.TIME_ZONE = "Europe/Berlin"  # the location's zone too
    now = timezone.now()
    today = now.astimezone(BERLIN).date()
    midnight = datetime.datetime(today.year, today.month, today.day, tzinfo=BERLIN)
    yesterday = midnight - datetime.timedelta(days=1)
    elsewhere = ChargePoint.objects.create(chargepoint_id="CP NOWHERE/2")  # no location
    plug = Connector.objects.create(chargepoint=elsewhere, connectorid=1)
    _session(connector, yesterday + HOUR * 10, yesterday + HOUR * 11, 0, 3000)
    _session(plug, yesterday + HOUR * 10, yesterday + HOUR * 11, 0, 2000)
    _session(connector, midnight, now, 0, 1000)
    url = reverse("admin:dashboard_chart", args=["energy_daily"])
    scopes = {
        "network": {},
        "location": {"location": connector.chargepoint.location_id},
        "charger": {"chargepoint": elsewhere.pk},
    }

    def last_two_days():
        return {
            name: operator_client.get(url, params).json()["datasets"][0]["data"][-2:]
            for name, params in scopes.items()
        }

    first = last_two_days()
    # Meter values a charger kept while offline reach yesterday late; today goes on.
    _session(connector, yesterday + HOUR * 12, yesterday + HOUR * 13, 0, 4000)
    _session(connector, midnight, now, 0, 500)
    second = last_two_days()
    later = time.time() + 10 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    third = last_two_days()

    assert first == {"network": [5.0, 1.0], "location": [3.0, 1.0], "charger": [2.0, 0.0]}
    assert second == {"network": [5.0, 1.5], "location": [3.0, 1.5], "charger": [2.0, 0.0]}
    assert third == {"network": [9.0, 1.5], "location": [7.0, 1.5], "charger": [2.0, 0.0]}


@pytest.mark.django_db
def test_sessions_are_counted_per_local_hour_of_day(connector):
    now = at(2026, 3, 18, 23, 0)
    for hour in (8, 8, 17):
        _session(connector, at(2026, 3, 17, hour, 30), at(2026, 3, 17, hour, 50), 0, 10)
    _session(connector, at(2026, 1, 1, 8), at(2026, 1, 1, 9), 0, 10)  # too old

    hours = sessions_by_hour(transactions=Transaction.objects.all(), tz=BERLIN, now=now)

    assert hours[8] == 2 and hours[17] == 1 and sum(hours) == 3


@pytest.mark.django_db
def test_availability_counts_the_hours_a_charger_was_heard_from_and_in_service(chargepoint):
    ChargePoint.objects.filter(pk=chargepoint.pk).update(created_at=at(2026, 3, 1))
    now = at(2026, 3, 18, 4, 0)  # 4 hours of today
    for hour in (0, 1, 2):
        Heartbeat.objects.create(chargepoint=chargepoint, timestamp=at(2026, 3, 18, hour, 5))
    StatusNotification.objects.create(
        chargepoint=chargepoint, status_reported="Faulted", timestamp=at(2026, 3, 18, 2, 30)
    )

    series = availability_by_day(chargepoints=ChargePoint.objects.all(), tz=BERLIN, days=7, now=now)

    assert len(series) == 7
    assert series[-1] == (at(2026, 3, 18), 50.0)  # hours 0 and 1 of 4
    assert series[-2] == (at(2026, 3, 17), 0.0)


@pytest.mark.django_db
def test_the_map_is_shown_only_with_a_tile_url(operator_client, location):
    without = operator_client.get(reverse("admin:index")).content.decode()
    with override_settings(
        CSMS_MAP_TILE_URL="https://tiles.example/{z}/{x}/{y}.png",
        CSMS_MAP_TILE_ATTRIBUTION="© Example",
    ):
        shown = operator_client.get(reverse("admin:index")).content.decode()

    assert 'id="locations-map"' not in without
    assert "leaflet" not in without
    assert 'id="locations-map"' in shown
    assert "vendor/leaflet/leaflet.js" in shown and "vendor/leaflet/leaflet.css" in shown
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in shown
    markers = re.search(r'id="locations-markers" type="application/json">(.*?)</script>', shown)
    assert markers and '"latitude": 52.52' in markers.group(1)
    assert "0/0 chargers online" in markers.group(1)
    assert reverse("admin:chargepoints_location_change", args=[location.pk]) in markers.group(1)


def _busy_network(location, chargers: int, sessions: int, prefix: str) -> list[ChargePoint]:
    """Chargers (half online) with two connectors, sessions with a reading, some commands."""
    now = timezone.now()
    cps = []
    for n in range(chargers):
        cp = ChargePoint.objects.create(
            chargepoint_id=f"{prefix}-{n}", location=location, connected=n % 2 == 0
        )
        Connector.objects.create(chargepoint=cp, connectorid=1)
        Connector.objects.create(chargepoint=cp, connectorid=2)
        cps.append(cp)
    for n in range(sessions):
        cp = cps[n % chargers]
        start = now - datetime.timedelta(hours=n % 600)
        running = n % 4 == 0
        tx = _session(
            cp.connectors.first(),
            start,
            None if running else start + datetime.timedelta(minutes=30),
            0,
            None if running else 5000,
            readings=[(start + datetime.timedelta(minutes=10), 1000)],
        )
        tx.last_power_w = 7000
        tx.save()
    for cp in cps[:3]:
        for n in range(30):
            Command.objects.create(
                chargepoint=cp,
                name=CommandName.RESET,
                source=CommandSource.ADMIN,
                message_id=f"{cp.pk}-{n}",
                status=CommandStatus.ACCEPTED,
            )
    return cps


def _pages(cp) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:dashboard_figures"),
        *[reverse("admin:dashboard_chart", args=[name]) for name in CHARTS],
        reverse("admin:chargepoints_chargepoint_change", args=[cp.pk]),
        reverse("admin:chargepoints_chargepoint_live", args=[cp.pk]),
    ]


@pytest.mark.django_db
def test_the_dashboard_and_charger_page_queries_do_not_grow_with_the_network(
    client, location, django_assert_max_num_queries
):
    # Support sees every figure, chart and panel (the messages, the commands).
    client.force_login(user_in_group(SUPPORT, username="desk", is_staff=True))
    few = _busy_network(location, 2, 6, "FEW")
    queries = {}
    for url in _pages(few[0]):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        queries[url.replace("FEW-0", "*")] = len(captured)
    many = _busy_network(location, 40, 160, "MANY")
    cache.clear()  # the energy charts computed afresh, as the first time

    for url in _pages(many[0]):
        with django_assert_max_num_queries(queries[url.replace("MANY-0", "*")]):
            assert client.get(url).status_code == 200, url

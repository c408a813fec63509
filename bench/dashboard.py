"""How long the dashboard's JSON endpoints take on a year of a busy network's data.

50 chargers, 8,000 one-hour sessions spread over the last 365 days (about 22
a day) and a meter reading a minute in each (480,000 sampled values), in a
temporary SQLite database (migrated first). Each endpoint is asked twice:
"cold" with an empty cache, "warm" right after, as an open dashboard asks
again on its next refresh (the energy charts keep the totals of past days and
months in Django's cache: chargepoints/chart_selectors.py). Then the energy
charts of one location and one charger, each scope cold and warm, and the
live state a charger's page re-reads on each note of its charger. Prints one
table; no thresholds (docs/architecture.md: timings are benchmarks).

    python bench/dashboard.py [--chargers 50] [--sessions 8000] [--readings 60]
"""

import argparse
import datetime
import os
import secrets
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHARTS = ("energy_daily", "energy_monthly", "sessions_by_hour", "availability_7d")


def populate(*, chargers: int, sessions: int, readings: int):
    from django.utils import timezone

    from chargepoints.models import ChargePoint, Connector, Location, SampledValue, Transaction

    location = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Bench",
        address="Street 1",
        city="Berlin",
        coordinates={"latitude": "52.5", "longitude": "13.4"},
        parking_type="PARKING_LOT",
        time_zone="Europe/Berlin",
    )
    cps = [
        ChargePoint.objects.create(chargepoint_id=f"CP-{n}", location=location)
        for n in range(chargers)
    ]
    plugs = [Connector.objects.create(chargepoint=cp, connectorid=1) for cp in cps]
    now = timezone.now()
    hours_apart = 365 * 24 / sessions
    Transaction.objects.bulk_create(
        Transaction(
            chargepoint=cps[n % chargers],
            connector=plugs[n % chargers],
            start_transaction_timestamp=now - datetime.timedelta(hours=n * hours_apart),
            stop_transaction_timestamp=now - datetime.timedelta(hours=n * hours_apart - 1),
            wh_meter_start=0,
            wh_meter_stop=20000,
            transaction_status="Completed",
            total_energy=20,
        )
        for n in range(sessions)
    )
    values = [
        SampledValue(
            chargepoint_id=tx.chargepoint_id,
            transaction=tx,
            timestamp=tx.start_transaction_timestamp + datetime.timedelta(minutes=minute),
            value=str(minute * 333),
            numeric_value=minute * 333.0,
            measurand="Energy.Active.Import.Register",
        )
        for tx in Transaction.objects.all()
        for minute in range(readings)
    ]
    SampledValue.objects.bulk_create(values, batch_size=5000)
    return location, cps[0], len(values)


def timed(client, url: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    response = client.get(url, params or {})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}")
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chargers", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=8000)
    parser.add_argument("--readings", type=int, default=60, help="per session")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csms-bench-dashboard-") as folder:
        os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
        import django

        # Static files are not collected for a benchmark (whitenoise says so).
        warnings.filterwarnings("ignore", message="No directory at")
        django.setup()
        from django.core.cache import cache
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        from accounts.models import User

        call_command("migrate", verbosity=0)
        location, charger, count = populate(
            chargers=args.chargers, sessions=args.sessions, readings=args.readings
        )
        client = Client()
        client.force_login(User.objects.create_superuser("bench", password=None))
        print(f"{args.chargers} chargers, {args.sessions} sessions, {count} sampled values")
        print(f"{'endpoint':<40}{'cold ms':>10}{'warm ms':>10}")
        # (label, URL, query, part of one refresh of the front page)
        endpoints = [("figures", reverse("admin:dashboard_figures"), {}, True)]
        endpoints += [
            (name, reverse("admin:dashboard_chart", args=[name]), {}, True) for name in CHARTS
        ]
        for scope, value in [("location", location.pk), ("chargepoint", charger.pk)]:
            endpoints += [
                (
                    f"{name} ?{scope}",
                    reverse("admin:dashboard_chart", args=[name]),
                    {scope: value},
                    False,
                )
                for name in ("energy_daily", "energy_monthly")
            ]
        # What a charger's page re-reads on each note of its charger.
        live = reverse("admin:chargepoints_chargepoint_live", args=[charger.pk])
        endpoints.append(("charger page live state", live, {}, False))
        cold_total = warm_total = 0.0
        for label, url, params, front_page in endpoints:
            cache.clear()
            cold = timed(client, url, params)
            warm = timed(client, url, params)
            print(f"{label:<40}{cold:>10.0f}{warm:>10.0f}")
            if front_page:
                cold_total, warm_total = cold_total + cold, warm_total + warm
        # On a meter value note the front page re-reads its figures only;
        # the charts at most once a minute (static/csms/dashboard.js).
        print(f"{'front page, figures and charts':<40}{cold_total:>10.0f}{warm_total:>10.0f}")


if __name__ == "__main__":
    main()

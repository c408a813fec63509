import datetime
import zoneinfo

from chargepoints.models import ChargePoint, SampledValue, Transaction
from chargepoints.selectors import chargepoint_energy_totals, period_starts

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)


def _session(connector, start, stop, wh_start, wh_stop, readings=(), location=""):
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
            location=location,
        )
    return tx


def test_periods_start_at_local_midnight_monday_first_and_new_year():
    # Wednesday 18 March 2026, 00:30 in Berlin is still Tuesday 23:30 UTC.
    starts = period_starts(at(2026, 3, 18, 0, 30), BERLIN)
    assert starts["day"] == at(2026, 3, 18)
    assert starts["week"] == at(2026, 3, 16)
    assert starts["month"] == at(2026, 3, 1)
    assert starts["year"] == at(2026, 1, 1)


def test_energy_is_summed_per_day_week_month_and_year(connector):
    now = at(2026, 3, 18, 12, 0)  # a Wednesday
    _session(connector, at(2026, 3, 18, 8), at(2026, 3, 18, 9), 10_000, 12_000)  # today: 2 kWh
    _session(connector, at(2026, 3, 16, 8), at(2026, 3, 16, 9), 12_000, 15_000)  # Monday: 3
    _session(connector, at(2026, 3, 2, 8), at(2026, 3, 2, 9), 15_000, 19_000)  # this month: 4
    _session(connector, at(2026, 1, 5, 8), at(2026, 1, 5, 9), 19_000, 24_000)  # this year: 5
    _session(connector, at(2025, 12, 30, 8), at(2025, 12, 30, 9), 0, 7_000)  # last year

    totals = chargepoint_energy_totals(chargepoint=connector.chargepoint, now=now)

    assert (totals.day, totals.week, totals.month, totals.year) == (2.0, 5.0, 9.0, 14.0)


def test_a_session_across_midnight_counts_on_each_day_for_its_share(connector):
    # 23:00 -> 01:00 at a steady 3 kW, with a reading at midnight.
    _session(
        connector,
        at(2026, 3, 17, 23),
        at(2026, 3, 18, 1),
        0,
        6_000,
        readings=[(at(2026, 3, 18, 0), 3_000)],
    )
    totals = chargepoint_energy_totals(chargepoint=connector.chargepoint, now=at(2026, 3, 18, 12))
    assert totals.day == 3.0
    assert totals.week == 6.0


def test_an_active_session_counts_up_to_its_latest_reading(connector):
    _session(
        connector, at(2026, 3, 18, 10), None, 1_000, None, readings=[(at(2026, 3, 18, 11), 2_500)]
    )
    totals = chargepoint_energy_totals(chargepoint=connector.chargepoint, now=at(2026, 3, 18, 12))
    assert totals.day == 1.5


def test_days_follow_the_location_time_zone(connector):
    # 23:30 UTC on 17 March is 00:30 on 18 March in Berlin: "today" in Berlin.
    utc = datetime.UTC
    _session(
        connector,
        datetime.datetime(2026, 3, 17, 23, 30, tzinfo=utc),
        datetime.datetime(2026, 3, 17, 23, 45, tzinfo=utc),
        0,
        1_000,
    )
    now = datetime.datetime(2026, 3, 18, 6, 0, tzinfo=utc)
    assert chargepoint_energy_totals(chargepoint=connector.chargepoint, now=now).day == 1.0

    connector.chargepoint.location.time_zone = "UTC"
    connector.chargepoint.location.save()
    chargepoint = ChargePoint.objects.get(pk=connector.chargepoint_id)
    assert chargepoint_energy_totals(chargepoint=chargepoint, now=now).day == 0.0


def test_a_charger_without_sessions_has_zero_everywhere(connector):
    totals = chargepoint_energy_totals(chargepoint=connector.chargepoint)
    assert (totals.day, totals.week, totals.month, totals.year) == (0, 0, 0, 0)


def test_the_evs_own_meter_does_not_count_as_delivered_energy(connector):
    tx = _session(
        connector, at(2026, 3, 18, 10), None, 1_000, None, readings=[(at(2026, 3, 18, 11), 2_000)]
    )
    SampledValue.objects.create(
        chargepoint=connector.chargepoint,
        transaction=tx,
        timestamp=at(2026, 3, 18, 11, 30),
        value="90000",
        numeric_value=90_000,
        location="EV",
    )
    totals = chargepoint_energy_totals(chargepoint=connector.chargepoint, now=at(2026, 3, 18, 12))
    assert totals.day == 1.0

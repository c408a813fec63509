"""The operator's dashboard in a real browser: logging in, the figures, the charts, a screenshot.

The server has the demo data, a month of past charging (``SERVER_SETUP``) and,
during the tests, two simulated chargers: the OCPP 1.6 demo charger has had
a whole session today, the BMW wallbox (OCPP 2.0.1) is charging.
"""

import itertools
import struct
import time
from datetime import UTC, datetime

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By

from tests.browser.chargers import charging_options, simulated_chargers
from tests.browser.pages import (
    console_errors,
    decimals,
    figures,
    log_in,
    number,
    open_page,
    painted_share,
    screenshot,
    wait_for,
)
from tests.server import sqlite_rows
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

CP16 = "CP-DEMO-16"
BMW = "DE*BMW*ETEST1234567890AB"
# Energy (kWh) charged on the day that many days ago, at noon UTC; a month of history.
HISTORY_KWH = {days_ago: 6 + (days_ago * 7) % 23 for days_ago in range(1, 30)}
SERVER_SETUP = f"""
from datetime import timedelta
from django.utils import timezone
from chargepoints.models import ChargePoint, Transaction

noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
chargepoint = ChargePoint.objects.get(chargepoint_id="{CP16}")
connector = chargepoint.connectors.get(connectorid=1)
meter = 100_000.0
for days_ago, kwh in sorted({HISTORY_KWH!r}.items(), reverse=True):
    start = noon - timedelta(days=days_ago, hours=days_ago % 9)
    Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        id_token="DEMO-RFID-0001",
        transaction_status="COMPLETED",
        start_transaction_timestamp=start,
        stop_transaction_timestamp=start + timedelta(hours=1),
        wh_meter_start=meter,
        wh_meter_last=meter + kwh * 1000,
        wh_meter_last_timestamp=start + timedelta(hours=1),
        wh_meter_stop=meter + kwh * 1000,
        total_energy=kwh,
        reason_stopped="EVDisconnected",
    )
    meter += kwh * 1000
"""

CHART_STATE = """
const chart = window.Chart && Chart.getChart(arguments[0]);
if (!chart || !chart.data.datasets.length) return null;
const area = chart.chartArea;
return {
  labels: chart.data.labels,
  data: chart.data.datasets.map(set => set.data),
  // Where each point of the first data set is drawn: above the axis when not zero.
  heights: chart.getDatasetMeta(0).data.map(point => area.bottom - point.y),
};
"""
CANVAS_PICTURES = """
return [...document.querySelectorAll("canvas[data-chart]")].map(c => c.toDataURL());
"""
FETCH_JSON = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: "same-origin", headers: {Accept: "application/json"}})
  .then(answer => answer.json().then(body => done({status: answer.status, body})))
  .catch(error => done({status: 0, body: String(error)}));
"""


@pytest.fixture(scope="module")
def network(server):
    """Chargers at work: a finished session on the 1.6 charger, a running one on the wallbox."""
    chargers = {
        CP16: charging_options(
            server.ws_url, "1.6", sessions=1, meter_values_per_session=4, meter_interval=0.2
        ),
        # One meter reading at the start, then none for an hour: the figures hold still.
        # Its own card: with the 1.6 charger's, whichever started second would
        # be refused as ConcurrentTx, never billed, and today's revenue nil.
        BMW: charging_options(
            server.ws_url,
            "2.0.1",
            meter_values_per_session=1,
            meter_interval=3600,
            id_tag="DEMO-RFID-0002",
        ),
    }
    with simulated_chargers(server.ws_url, chargers) as stats:
        wait_until(
            lambda: transaction_statuses(server) == {CP16: "COMPLETED", BMW: "ACTIVE"},
            what=lambda: f"the sessions stored: {transaction_statuses(server)}, {stats.summary()}",
        )
        yield stats
    assert stats.errors == 0, stats.error_samples


def transaction_statuses(server) -> dict[str, str]:
    """The state of today's (simulated) transaction of each charger."""
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    rows = sqlite_rows(
        server.database,
        "SELECT chargepoint_id, transaction_status FROM chargepoints_transaction"
        " WHERE start_transaction_timestamp >= ? ORDER BY transaction_id",
        today,
    )
    return dict(rows)


def database_figures(server) -> dict[str, float]:
    """The figures as the database has them, counted here without the dashboard's code."""
    db = server.database

    def count(sql: str, *params) -> int:
        return sqlite_rows(db, sql, *params)[0][0]

    today = datetime.now(UTC).strftime("%Y-%m-%d")
    expected = {
        "chargers_online": count(
            "SELECT COUNT(*) FROM chargepoints_chargepoint WHERE connected = 1"
        ),
        "chargers_offline": count(
            "SELECT COUNT(*) FROM chargepoints_chargepoint WHERE connected = 0"
        ),
        "chargers_faulted": count(
            "SELECT COUNT(*) FROM chargepoints_chargepoint WHERE connected = 1"
            " AND status = 'Faulted'"
        ),
        "chargers_unavailable": count(
            "SELECT COUNT(*) FROM chargepoints_chargepoint WHERE connected = 1"
            " AND status = 'Unavailable'"
        ),
        "sessions_active": count(
            "SELECT COUNT(*) FROM chargepoints_transaction WHERE transaction_status = 'ACTIVE'"
        ),
        "transactions_flagged": count(
            "SELECT COUNT(*) FROM chargepoints_transaction WHERE needs_review = 1"
        ),
        "energy_today_kwh": sqlite_rows(
            db,
            "SELECT COALESCE(SUM(MAX(COALESCE(wh_meter_stop, wh_meter_last) - wh_meter_start, 0)),"
            " 0) / 1000.0 FROM chargepoints_transaction WHERE start_transaction_timestamp >= ?",
            today,
        )[0][0],
        # What the sessions that ended today cost (priced by billing when they ended).
        "revenue_today": sqlite_rows(
            db,
            "SELECT COALESCE(SUM(p.total_cost), 0) FROM billing_transactionpricing p"
            " JOIN chargepoints_transaction t ON t.transaction_id = p.transaction_id"
            " WHERE t.stop_transaction_timestamp >= ? AND p.total_cost IS NOT NULL",
            today,
        )[0][0],
    }
    for status, connectors in sqlite_rows(
        db,
        "SELECT connector_status, COUNT(*) FROM chargepoints_connector GROUP BY connector_status",
    ):
        expected[f"connectors_{status.lower()}"] = connectors
    return expected


def mismatches(shown: dict[str, str], expected: dict[str, float]) -> list[str]:
    """Each figure the page shows otherwise than the database has it."""
    wrong = []
    for key, value in expected.items():
        text = shown.get(key)
        if text is None:
            wrong.append(f"figure {key} missing; shown: {shown}")
        # A figure is rounded for reading: within half its last decimal.
        elif abs(number(text) - value) > 0.5 * 10 ** -decimals(text) + 1e-9:
            wrong.append(f"{key}: the page shows {text!r}, the database has {value}")
    return wrong


def dashboard_with_figures(browser, server) -> dict[str, str]:
    log_in(browser, server)
    assert browser.current_url == server.url + "/admin/"
    return wait_for(
        browser,
        lambda d: (shown := figures(d)) and all(shown.values()) and shown,
        what="the dashboard's figures",
    )


def charts_drawn(browser) -> dict[str, dict]:
    """Every chart of the page, once Chart.js has drawn each with its data."""

    def drawn(driver):
        canvases = driver.find_elements(By.CSS_SELECTOR, "canvas[data-chart]")
        states = {
            c.get_attribute("data-chart"): driver.execute_script(CHART_STATE, c) for c in canvases
        }
        return canvases and all(states.values()) and states

    return wait_for(browser, drawn, what="every chart drawn")


# -- logging in ------------------------------------------------------------------


def test_an_operator_logs_in_through_the_admin_login_form_and_sees_the_dashboard(browser, server):
    log_in(browser, server)

    assert browser.current_url == server.url + "/admin/"
    assert browser.find_element(By.ID, "site-name").text == "CSMS administration"
    # The admin's style writes it in capitals.
    assert "WELCOME, DEMO." in browser.find_element(By.ID, "user-tools").text.upper()
    assert browser.find_elements(By.CSS_SELECTOR, "[data-figure]"), "no figures on the dashboard"
    assert console_errors(browser) == []


def test_a_wrong_password_shows_the_login_form_again_and_no_dashboard(browser, server):
    log_in(browser, server, password="not the password")

    assert "/admin/login/" in browser.current_url
    assert "Please enter the correct" in browser.find_element(By.CSS_SELECTOR, ".errornote").text
    assert browser.find_elements(By.CSS_SELECTOR, "[data-figure]") == []
    assert browser.find_elements(By.ID, "user-tools") == []


# -- the figures --------------------------------------------------------------------


def test_after_a_charging_session_the_dashboards_figures_match_the_database(
    browser, server, network
):
    dashboard_with_figures(browser, server)
    # A charger's last reports (a connector's status after its transaction
    # started) may land after the page was read: the page follows them live,
    # so it must come to agree with the database, and then stay so.
    seen = {}

    def agreeing(driver):
        seen["shown"], seen["expected"] = figures(driver), database_figures(server)
        return not mismatches(seen["shown"], seen["expected"])

    try:
        wait_for(browser, agreeing, what="the dashboard agreeing with the database", interval=0.5)
    except TimeoutException:
        pytest.fail("; ".join(mismatches(seen["shown"], seen["expected"])))
    expected = seen["expected"]
    assert expected["chargers_online"] == 2
    assert expected["sessions_active"] == 1
    assert expected["energy_today_kwh"] > 0
    assert expected["revenue_today"] > 0, sqlite_rows(
        server.database,
        "SELECT t.transaction_id, t.chargepoint_id, t.transaction_status, t.start_status,"
        " t.needs_review, t.review_note, t.stop_transaction_timestamp, p.total_cost"
        " FROM chargepoints_transaction t LEFT JOIN billing_transactionpricing p"
        " ON p.transaction_id = t.transaction_id WHERE t.stop_transaction_timestamp >= ?",
        datetime.now(UTC).strftime("%Y-%m-%d"),
    )
    # Each figure leads to the admin list it was counted from.
    for key in expected:
        element = browser.find_element(By.CSS_SELECTOR, f'[data-figure="{key}"]')
        link = element if element.tag_name == "a" else element.find_element(By.XPATH, "ancestor::a")
        assert link.get_attribute("href").startswith(server.url + "/admin/"), key
    assert console_errors(browser) == []


def test_the_running_session_is_listed_with_its_power_and_energy(browser, server, network):
    (pk,) = sqlite_rows(
        server.database,
        "SELECT transaction_id FROM chargepoints_transaction WHERE transaction_status = 'ACTIVE'",
    )[0]
    log_in(browser, server)

    sessions = browser.find_element(By.ID, "active-sessions")
    rows = sessions.find_elements(By.CSS_SELECTOR, "[data-transaction]")
    assert [row.get_attribute("data-transaction") for row in rows] == [str(pk)]
    text = rows[0].text
    assert BMW in text or "BMW" in text, text
    assert "kWh" in text, text
    assert " W" in text or "kW" in text, text


# -- the charts ---------------------------------------------------------------------


def test_the_daily_energy_chart_is_drawn_with_the_points_of_its_json_endpoint(
    browser, server, network
):
    log_in(browser, server)
    canvas = wait_for(
        browser,
        lambda d: d.find_element(By.CSS_SELECTOR, 'canvas[data-chart="energy_daily"]'),
        what="the daily energy chart",
    )
    drawn = charts_drawn(browser)["energy_daily"]
    source = canvas.get_attribute("data-url")
    assert source.startswith("/admin/"), f"the chart's endpoint is not the admin's: {source!r}"

    answer = browser.execute_async_script(FETCH_JSON, source)
    assert answer["status"] == 200, answer
    endpoint = answer["body"]
    assert drawn["labels"] == endpoint["labels"]
    assert drawn["data"] == [dataset["data"] for dataset in endpoint["datasets"]]

    # The last 30 days, today last: the month of history, then today's sessions.
    points = drawn["data"][0]
    assert len(points) == 30
    assert [round(float(x), 3) for x in points[:-1]] == [
        float(HISTORY_KWH[days_ago]) for days_ago in range(29, 0, -1)
    ]
    assert float(points[-1]) > 0
    # Drawn, not only loaded: every point above the axis, the canvas painted.
    assert all(height > 0 for height in drawn["heights"]), drawn["heights"]
    assert painted_share(browser, canvas) > 0.01


# -- following the network --------------------------------------------------------

# Records what the page fetches from now on (URL and when), and sets the
# charts' least interval.
RECORD_FETCHES = """
window.csmsFetched = [];
const fetchBefore = window.fetch;
window.fetch = function (url, options) {
  window.csmsFetched.push([String(url), performance.now()]);
  return fetchBefore.call(this, url, options);
};
document.querySelector("[data-charts-every-seconds]").dataset.chartsEverySeconds = arguments[0];
"""
# What live.js turns a message of the staff's socket into.
NOTE = """
document.dispatchEvent(new CustomEvent("csms:changed", {detail: arguments[0]}));
"""


def notes(browser, what: str, *, seconds: float) -> None:
    """The socket's notes of one kind, five a second, as a busy network sends them."""
    note = {"type": "network.changed", "changes": [{"chargepoint_id": CP16, "what": what}]}
    for _ in range(int(seconds * 5)):
        browser.execute_script(NOTE, note)
        time.sleep(0.2)


def fetched(browser, part: str) -> list[float]:
    """When the page fetched a URL holding ``part``, in ms since it loaded."""
    return [at for url, at in browser.execute_script("return window.csmsFetched") if part in url]


def test_meter_notes_refresh_the_figures_and_only_session_notes_the_charts_at_most_so_often(
    browser, server, network
):
    log_in(browser, server)
    charts_drawn(browser)
    browser.execute_script(RECORD_FETCHES, "2")

    notes(browser, "energy", seconds=4)

    assert fetched(browser, "/dashboard/figures/"), "the figures did not follow"
    assert fetched(browser, "/dashboard/charts/") == [], "meter values re-read the charts"

    notes(browser, "transaction", seconds=5)
    wait_for(browser, lambda d: fetched(d, "/charts/energy_daily/"), what="the charts re-read")

    time.sleep(2.5)  # A refresh still due happens.
    rounds = fetched(browser, "/charts/energy_monthly/")
    # 5 s of notes, charts at most every 2 s: from 1 s on, then 2 s apart.
    assert 1 <= len(rounds) <= 4, rounds
    assert all(later - earlier >= 1990 for earlier, later in itertools.pairwise(rounds)), rounds
    browser.execute_script(NOTE, {"type": "network.resync"})
    wait_for(
        browser,
        lambda d: len(fetched(d, "/charts/energy_monthly/")) > len(rounds),
        what="the charts re-read after a reconnect",
    )
    assert console_errors(browser) == []


# -- the screenshot ---------------------------------------------------------------


def test_a_screenshot_of_the_dashboard_is_saved(browser, server, network, screenshot_dir):
    log_in(browser, server)
    charts_drawn(browser)
    open_page(browser, server, "/admin/")
    charts_drawn(browser)
    # Chart.js animates its first drawing: the picture is taken once the charts hold still.
    pictures = []

    def still(driver):
        pictures.append(driver.execute_script(CANVAS_PICTURES))
        return len(pictures) > 1 and pictures[-1] == pictures[-2]

    # Half a second apart: longer than a frame of Chart.js's animation.
    wait_for(browser, still, what="the charts drawn to the end", interval=0.5)

    path = screenshot(browser, screenshot_dir, "dashboard.png")
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    assert (width, height) == (1400, 1000)

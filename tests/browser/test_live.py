"""Pages that follow the network live: a charger's status changes on screen without a reload.

A charger steered frame by frame (tests/browser/chargers.py) reports a new
status; the open page hears of it on the staff's live socket
(static/csms/live.js) and re-reads what it shows. A flag set on ``window``
before the change is still there after it: the page was never reloaded.
"""

import pytest
from selenium.webdriver.common.by import By

from tests.browser.chargers import steered_charger
from tests.browser.pages import (
    chargepoint_path,
    console_errors,
    log_in,
    number,
    open_page,
    wait_for,
)
from tests.server import sqlite_rows
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

CP16 = "CP-DEMO-16"
NOT_RELOADED = "window.csmsNotReloaded = 'still the same page'"
STILL_THE_SAME_PAGE = "return window.csmsNotReloaded === 'still the same page'"


def text_of(selector: str, expected: str):
    """A wait condition: the element's text has become ``expected``."""

    def seen(driver):
        return driver.find_element(By.CSS_SELECTOR, selector).text.strip() == expected

    return seen


def live_socket_open(driver) -> bool:
    element = driver.find_element(By.CSS_SELECTOR, "[data-csms-live]")
    return element.get_attribute("data-live-state") == "open"


def stored_status(server, connectorid: int) -> str | None:
    rows = sqlite_rows(
        server.database,
        "SELECT connector_status FROM chargepoints_connector"
        " WHERE chargepoint_id = ? AND connectorid = ?",
        CP16,
        connectorid,
    )
    return rows[0][0] if rows else None


def test_a_chargers_page_shows_its_status_change_live_without_reloading(browser, server):
    with steered_charger(server.ws_url, CP16) as charger:
        charger.boot()
        charger.status("Available", connector_id=1)
        wait_until(lambda: stored_status(server, 1) == "Available", what="connector 1 Available")
        log_in(browser, server)
        open_page(browser, server, chargepoint_path(CP16))
        wait_for(browser, text_of('[data-connector-status="1"]', "Available"), what="Available")
        assert browser.find_element(By.CSS_SELECTOR, "[data-chargepoint-connected]").text == (
            "Online"
        )
        wait_for(browser, live_socket_open, what="the live socket open")
        browser.execute_script(NOT_RELOADED)

        charger.status("Unavailable", connector_id=1)

        wait_for(
            browser,
            text_of('[data-connector-status="1"]', "Unavailable"),
            what="connector 1 shown Unavailable",
        )
        assert browser.execute_script(STILL_THE_SAME_PAGE), "the page was reloaded"

        charger.status("Charging", connector_id=1)
        wait_for(
            browser,
            text_of('[data-connector-status="1"]', "Charging"),
            what="connector 1 shown Charging",
        )
        assert browser.execute_script(STILL_THE_SAME_PAGE), "the page was reloaded"

    # The charger hangs up: the page shows it offline, still without a reload.
    wait_for(
        browser,
        text_of("[data-chargepoint-connected]", "Offline"),
        what="the charger shown Offline",
    )
    assert browser.execute_script(STILL_THE_SAME_PAGE), "the page was reloaded"
    assert console_errors(browser) == []


def test_the_dashboards_figures_follow_a_status_change_live(browser, server):
    with steered_charger(server.ws_url, CP16) as charger:
        charger.boot()
        charger.status("Available", connector_id=2)
        wait_until(lambda: stored_status(server, 2) == "Available", what="connector 2 Available")
        log_in(browser, server)
        wait_for(browser, live_socket_open, what="the live socket open")
        figure = '[data-figure="connectors_faulted"]'
        before = number(browser.find_element(By.CSS_SELECTOR, figure).text)
        browser.execute_script(NOT_RELOADED)

        charger.status("Faulted", connector_id=2, error_code="GroundFailure")

        wait_for(
            browser,
            lambda d: number(d.find_element(By.CSS_SELECTOR, figure).text) == before + 1,
            what=f"connectors_faulted shown as {before + 1:g}",
        )
        assert browser.execute_script(STILL_THE_SAME_PAGE), "the page was reloaded"

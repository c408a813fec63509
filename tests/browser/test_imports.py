"""Importing charge points through the admin: upload, preview with the errors, confirm.

django-import-export's pages (csms/imports/admin.py), driven as an operator
drives them: choose a file, read the preview, confirm. A file with one bad
line is refused whole, with the line and the column named; the corrected
file is written and listed.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.pages import console_errors, log_in, open_page, wait_for
from tests.server import sqlite_rows

pytestmark = pytest.mark.browser

IMPORT_PAGE = "/admin/chargepoints/chargepoint/import/"
HEADER = "chargepoint_id,name,location,vendor,model,connectors,security_profile,password"
GOOD_LINES = [
    "BRW-IMPORT-1,Browser import one,DEMO-LOC-1,ABB,Terra AC,2,1,browser-import-pw-0001",
    "BRW-IMPORT-2,Browser import two,DEMO-LOC-1,ABB,Terra AC,2,1,browser-import-pw-0002",
    "BRW-IMPORT-3,Browser import three,DEMO-LOC-1,Alpitronic,HYC300,1,1,browser-import-pw-0003",
]
# Line 3 of the file (the header is line 1): its connectors column is not a number.
BAD_LINE_NUMBER = 3
BAD_COLUMN = "connectors"
BAD_LINES = [GOOD_LINES[0], GOOD_LINES[1].replace(",2,1,", ",two,1,"), GOOD_LINES[2]]
IMPORTED = ["BRW-IMPORT-1", "BRW-IMPORT-2", "BRW-IMPORT-3"]


def csv_file(tmp_path, name: str, lines: list[str]):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def imported(server) -> list[tuple]:
    return sqlite_rows(
        server.database,
        "SELECT chargepoint_id, name, location_id, chargepoint_vendor, chargepoint_model"
        " FROM chargepoints_chargepoint WHERE chargepoint_id LIKE 'BRW-IMPORT-%'"
        " ORDER BY chargepoint_id",
    )


def upload(browser, server, path) -> None:
    """Choose the file and its format on the import page and send it."""
    open_page(browser, server, IMPORT_PAGE)
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    formats = browser.find_elements(By.CSS_SELECTOR, "select[name$=format]")
    if formats:
        Select(formats[0]).select_by_visible_text("csv")
    browser.find_element(By.CSS_SELECTOR, "#content form [type=submit]").click()
    wait_for(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "table.import-preview, .errornote, .errorlist"),
        what="the preview of the import",
    )


def test_a_file_with_a_bad_line_is_refused_whole_and_the_preview_names_its_line_and_column(
    browser, server, tmp_path
):
    log_in(browser, server)

    upload(browser, server, csv_file(tmp_path, "bad.csv", BAD_LINES))

    content = browser.find_element(By.ID, "content").text
    errors = browser.find_elements(By.CSS_SELECTOR, ".validation-error-container, .errorlist")
    assert errors, f"no errors shown:\n{content}"
    error_rows = browser.find_elements(By.CSS_SELECTOR, "table.import-preview tbody tr")
    # Each line's error list shows on hovering its count: read as the page holds it.
    shown = (
        " ".join(" ".join(row.get_attribute("textContent").split()) for row in error_rows)
        or content
    )
    assert BAD_COLUMN in shown, shown
    assert "two" in shown, shown
    # The line as the file has it (the header is line 1), as import_chargepoints says it.
    assert f"line {BAD_LINE_NUMBER}" in shown.lower(), f"line {BAD_LINE_NUMBER} not named: {shown}"
    # Only the bad line is shown as an error, and nothing can be confirmed.
    assert len(error_rows) == 1, shown
    assert browser.find_elements(By.CSS_SELECTOR, "input[name=confirm]") == []
    assert imported(server) == []
    assert console_errors(browser) == []


def test_a_good_file_is_previewed_then_written_on_confirmation_and_listed(
    browser, server, tmp_path
):
    log_in(browser, server)

    upload(browser, server, csv_file(tmp_path, "good.csv", GOOD_LINES))

    preview = browser.find_element(By.CSS_SELECTOR, "table.import-preview").text
    for chargepoint_id in IMPORTED:
        assert chargepoint_id in preview, preview
    assert imported(server) == [], "written before the confirmation"

    browser.find_element(By.CSS_SELECTOR, "input[name=confirm]").click()
    wait_for(
        browser,
        lambda d: d.current_url.endswith("/admin/chargepoints/chargepoint/"),
        what="the charge point list after the import",
    )

    assert "3 new" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    assert imported(server) == [
        ("BRW-IMPORT-1", "Browser import one", "DEMO-LOC-1", "ABB", "Terra AC"),
        ("BRW-IMPORT-2", "Browser import two", "DEMO-LOC-1", "ABB", "Terra AC"),
        ("BRW-IMPORT-3", "Browser import three", "DEMO-LOC-1", "Alpitronic", "HYC300"),
    ]
    connectors = sqlite_rows(
        server.database,
        "SELECT chargepoint_id, COUNT(*) FROM chargepoints_connector"
        " WHERE chargepoint_id LIKE 'BRW-IMPORT-%' GROUP BY chargepoint_id ORDER BY 1",
    )
    assert connectors == [("BRW-IMPORT-1", 2), ("BRW-IMPORT-2", 2), ("BRW-IMPORT-3", 1)]
    listed = browser.find_element(By.ID, "result_list").text
    for chargepoint_id in IMPORTED:
        assert chargepoint_id in listed, listed

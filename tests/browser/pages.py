"""What a test does in the browser: log in, open a page, wait, read figures, take a screenshot."""

from pathlib import Path
from urllib.parse import quote

from selenium.common.exceptions import JavascriptException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.server import DEMO_OPERATOR_PASSWORD
from tests.waiting import DEADLINE

OPERATOR = "operator"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def wait_for(driver, condition, *, what: str, timeout: float = DEADLINE, interval: float = 0.1):
    """``condition(driver)`` once it is truthy; a bounded wait that names what it waited for."""

    def attempt(driver):
        try:
            return condition(driver)
        except (StaleElementReferenceException, JavascriptException):
            # The page replaced the element, or its script has not run yet: ask again.
            return False

    return WebDriverWait(driver, timeout, poll_frequency=interval).until(
        attempt, message=f"{what} not seen within {timeout:.0f} s"
    )


def page_loaded(driver) -> bool:
    return driver.execute_script("return document.readyState") == "complete"


def open_page(driver, server, path: str) -> None:
    driver.get(server.url + path)
    wait_for(driver, page_loaded, what=f"{path} loaded")


def log_in(driver, server, *, username: str = OPERATOR, password: str = DEMO_OPERATOR_PASSWORD):
    """Log in through the admin's login form, as an operator does, from a fresh session."""
    driver.delete_all_cookies()
    open_page(driver, server, "/admin/login/?next=/admin/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    wait_for(
        driver,
        lambda d: (
            "/admin/login/" not in d.current_url or d.find_elements(By.CSS_SELECTOR, ".errornote")
        ),
        what="the answer to the login form",
    )
    wait_for(driver, page_loaded, what="the page after logging in")


def chargepoint_path(chargepoint_id: str) -> str:
    """The admin change page of a charge point (the admin quotes its object ids, then the URL)."""
    from django.contrib.admin.utils import quote as admin_quote

    return f"/admin/chargepoints/chargepoint/{quote(admin_quote(chargepoint_id))}/change/"


def figures(driver) -> dict[str, str]:
    """Every ``data-figure`` on the page, by key, as the text the operator reads."""
    return {
        element.get_attribute("data-figure"): element.text.strip()
        for element in driver.find_elements(By.CSS_SELECTOR, "[data-figure]")
    }


def number(text: str) -> float:
    """The number an operator reads in a figure ("1,234.5 kWh", "€ 12.30", "3")."""
    kept = "".join(c for c in text if c.isdigit() or c in ".-")
    if not any(c.isdigit() for c in kept):
        raise AssertionError(f"no number in the figure {text!r}")
    return float(kept)


def decimals(text: str) -> int:
    """How many decimals a figure shows: its rounding is within half the last one."""
    digits = "".join(c for c in text if c.isdigit() or c == ".")
    return len(digits.split(".")[1]) if "." in digits else 0


def console_errors(driver) -> list[str]:
    """What the page logged as errors since last asked: failed requests, script errors."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


# The share of a canvas's pixels that are painted (not fully transparent).
PAINTED_SHARE = """
const canvas = arguments[0];
const {width, height} = canvas;
if (!width || !height) return 0;
const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
let painted = 0;
for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
return painted / (width * height);
"""


def painted_share(driver, canvas) -> float:
    return driver.execute_script(PAINTED_SHARE, canvas)


def screenshot(driver, folder: Path, name: str) -> Path:
    path = Path(folder) / name
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return path

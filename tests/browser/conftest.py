"""A real Chromium, driven by Selenium, against a real server: the operator's view of the admin.

Chromium and ChromeDriver come from Debian's packages (``chromium``,
``chromium-driver``; ``.ci/run`` installs them). Nothing is downloaded:
Selenium is given both paths, so Selenium Manager never runs, and the
browser is told to resolve no host but this machine's, so a page that needs
the internet (a CDN, a web font) fails here as it would offline.

Without the browser these tests fail, since CI must prove them; a developer
without one sets ``CSMS_SKIP_BROWSER=1`` to skip them instead.
"""

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.server import database_copy, project_env, running_server

# Selenium Manager would fetch a browser or a driver from the internet. Given both
# paths it never runs; were it ever to, it must stay offline.
os.environ.setdefault("SE_OFFLINE", "true")

# Debian's packages `chromium` and `chromium-driver`.
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The visible page (the viewport) of every test, and of the screenshot.
VIEWPORT = (1400, 1000)
CHROMIUM_FLAGS = (
    "--headless=new",
    # Root in a container has no user namespace for the sandbox.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--force-device-scale-factor=1",
    # Only the test server is reachable: a page that loads anything from
    # elsewhere shows it as a failed request in the console.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


@dataclass(frozen=True)
class Server:
    """A running ``manage.py serve`` with its own SQLite database."""

    url: str
    database: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")


def browser_missing() -> str | None:
    """Why no browser can run here, or None when both programs are installed."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return None
    return (
        f"{' and '.join(missing)} not found: install Debian's `chromium` and "
        "`chromium-driver` (apt-get install chromium chromium-driver), or set "
        "CSMS_SKIP_BROWSER=1 to skip the browser tests on a machine without them"
    )


def chrome_options(profile: str) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}")
    # The console, for console_errors(): failed requests and script errors.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module, with a fresh profile."""
    reason = browser_missing()
    if reason is not None:
        if os.environ.get("CSMS_SKIP_BROWSER") == "1":
            pytest.skip(reason)
        pytest.fail(reason, pytrace=False)
    with tempfile.TemporaryDirectory(prefix="csms-chromium-") as profile:
        driver = webdriver.Chrome(
            service=Service(executable_path=CHROMEDRIVER), options=chrome_options(profile)
        )
        try:
            viewport_set(driver, *VIEWPORT)
            yield driver
        finally:
            driver.quit()


def viewport_set(driver, width: int, height: int) -> None:
    """Size the window so that the page itself (not the window) is width x height."""
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    outer = driver.get_window_size()
    driver.set_window_size(width + outer["width"] - inner[0], height + outer["height"] - inner[1])


@contextlib.contextmanager
def server_running(tmp_path_factory, template, *, setup: str = ""):
    folder = tmp_path_factory.mktemp("browser")
    database = database_copy(template, folder, setup=setup)
    with running_server(project_env(SQLITE_PATH=str(database))) as base_url:
        yield Server(url=str(base_url), database=database)


@pytest.fixture(scope="module")
def server(request, tmp_path_factory, demo_database_template):
    """The module's own server on the demo data, plus the module's ``SERVER_SETUP`` (shell code)."""
    setup = getattr(request.module, "SERVER_SETUP", "")
    with server_running(tmp_path_factory, demo_database_template, setup=setup) as running:
        yield running


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """Where screenshots go: CSMS_SCREENSHOT_DIR (e.g. docs), else the test's own tmp dir."""
    folder = Path(os.environ.get("CSMS_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder

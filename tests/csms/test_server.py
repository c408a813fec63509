"""The real server: migrate, load the demo, serve the admin with Daphne."""

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from tests.server import DEMO_OPERATOR_PASSWORD, database_copy, project_env, running_server
from tests.waiting import DEADLINE

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database_template):
    database = database_copy(demo_database_template, tmp_path_factory.mktemp("server"))
    with running_server(project_env(SQLITE_PATH=str(database))) as base_url:
        yield base_url


def _browser():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def test_the_admin_login_page_is_served(server):
    with urllib.request.urlopen(f"{server}/admin/login/", timeout=DEADLINE) as response:
        assert response.status == 200
        assert "CSMS administration" in response.read().decode()


@pytest.mark.parametrize(
    "path, content_type",
    [("admin/css/base.css", "text/css"), ("csms/favicon.svg", "image/svg+xml")],
)
def test_static_files_are_served_without_a_cdn(server, path, content_type):
    with urllib.request.urlopen(f"{server}/static/{path}", timeout=DEADLINE) as response:
        assert response.status == 200
        assert content_type in response.headers["Content-Type"]


def test_the_operator_sees_the_demo_charge_points(server):
    browser = _browser()
    page = browser.open(f"{server}/admin/login/", timeout=DEADLINE).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": "operator",
            "password": DEMO_OPERATOR_PASSWORD,
            "next": "/admin/chargepoints/chargepoint/",
        }
    ).encode()
    request = urllib.request.Request(
        f"{server}/admin/login/?next=/admin/chargepoints/chargepoint/",
        data=form,
        headers={"Referer": f"{server}/admin/login/"},
    )
    with browser.open(request, timeout=DEADLINE) as response:
        body = response.read().decode()
    assert response.url.endswith("/admin/chargepoints/chargepoint/")
    assert "DE*BMW*ETEST1234567890AB" in body
    assert "CP-DEMO-16" in body

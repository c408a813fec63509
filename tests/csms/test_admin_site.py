"""Issue 17: the admin's front page puts the charging network first, not user accounts."""

import pytest
from django.contrib import admin
from django.urls import reverse

from csms.admin_site import CsmsAdminSite, app_position
from tests.rights import SUPPORT, user_in_group


def test_the_admin_is_our_site_with_its_titles():
    assert isinstance(admin.site, CsmsAdminSite)
    assert admin.site.site_header == "CSMS administration"


@pytest.mark.django_db
def test_a_superuser_sees_the_network_first_and_accounts_and_lockouts_last(admin_client):
    page = admin_client.get(reverse("admin:index"))

    labels = [app["app_label"] for app in page.context["app_list"]]
    assert labels == ["chargepoints", "accounts", "billing", "ocpp_gateway", "auth", "axes"]
    html = page.content.decode()
    assert html.index("Charge points") < html.index("Authentication and Authorization")


@pytest.mark.django_db
def test_staff_see_only_their_apps_in_the_same_order(client):
    client.force_login(user_in_group(SUPPORT, username="support-desk", is_staff=True))

    page = client.get(reverse("admin:index"))

    labels = [app["app_label"] for app in page.context["app_list"]]
    assert labels[0] == "chargepoints"
    assert "auth" not in labels
    assert labels == sorted(
        labels, key=["chargepoints", "accounts", "billing", "ocpp_gateway"].index
    )


def test_an_app_of_no_known_rank_follows_by_name():
    apps = [
        {"app_label": "zeta", "name": "Zeta"},
        {"app_label": "alpha", "name": "Alpha"},
        {"app_label": "chargepoints", "name": "Charge points"},
    ]
    ordered = sorted(apps, key=app_position)
    assert [app["app_label"] for app in ordered] == ["chargepoints", "alpha", "zeta"]


@pytest.mark.django_db
def test_the_front_page_is_the_dashboard_above_the_app_list(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    assert html.index('id="csms-dashboard"') < html.index('id="content-main"')
    assert 'data-figures-url="/admin/dashboard/figures/"' in html

"""Every model has an admin, and every admin page renders for a superuser."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdTag, Notification, Profile, User
from billing.demo import demo_tariffs_load
from billing.models import (
    CDR,
    OcpiAuthorization,
    OcpiCommand,
    OcpiPartner,
    OcpiPush,
    PartnerToken,
)
from chargepoints.demo import BMW_WALLBOX_ID, demo_data_load
from chargepoints.models import (
    ChargePoint,
    ChargerEvent,
    ChargerLockout,
    ChargingProfile,
    ChargingSession,
    Command,
    ConfigurationVariable,
    Heartbeat,
    Reservation,
    SampledValue,
    ServerProcess,
    StatusNotification,
    Transaction,
)
from ocpp_gateway.models import OCPPMessage
from tests.tokens import token_for

PROJECT_APPS = {"accounts", "chargepoints", "billing", "ocpp_gateway"}
# What chargers report is history: shown, never added by hand.
REPORTED_ONLY = {
    ("chargepoints", "statusnotification"),
    ("chargepoints", "heartbeat"),
    ("chargepoints", "sampledvalue"),
    ("chargepoints", "chargerevent"),
    ("chargepoints", "command"),
    ("ocpp_gateway", "ocppmessage"),
    # CDRs are made when a session ends and never edited (OCPI 2.2.1 CDRs §10.2.1).
    ("billing", "cdr"),
    # API tokens come from logging in; an operator holding one could act as its user.
    ("accounts", "apitoken"),
    # Written by failed charger logins and by running servers.
    ("chargepoints", "chargerlockout"),
    ("chargepoints", "serverprocess"),
    # What partners sent or we queued for them: the partner's record, never an operator's.
    ("billing", "ocpiauthorization"),
    ("billing", "ocpicommand"),
    ("billing", "ocpipush"),
}
# Shown inside another model's page only.
INLINE_ONLY = {
    # A transaction's tariff and cost, on the transaction's page.
    ("billing", "transactionpricing"),
    # The tags a roaming partner issued, on the partner's page.
    ("billing", "partnertoken"),
}
# The API's own bookkeeping, kept for minutes or a day and never acted on by
# hand: a retried request's first answer, a password reset code's hash.
NOT_IN_ADMIN = {
    ("accounts", "idempotencykey"),
    ("accounts", "passwordresetcode"),
    # What the push cycle last sent each partner; the outbox shows the pushes.
    ("billing", "ocpisyncstate"),
}
REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in PROJECT_APPS
)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x" * 12)


@pytest.fixture
def operator_client(client, superuser):
    client.force_login(superuser)
    loaded = demo_data_load(operator_password="demo operator password")
    demo_tariffs_load(new_connectors=loaded.connectors_created)
    return client


@pytest.fixture
def one_of_everything(operator_client):
    """Beyond the demo: one row of each model a charger or the billing creates."""
    now = timezone.now()
    chargepoint = ChargePoint.objects.get(chargepoint_id=BMW_WALLBOX_ID)
    connector = chargepoint.connectors.get()
    driver = User.objects.get(username="demo-driver")
    tag = IdTag.objects.get(idToken="DEMO-RFID-0001")
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        charger_transaction_id="5f0c-demo",
        id_tag=tag,
        user=driver,
        start_transaction_timestamp=now,
        wh_meter_start=1000,
        wh_meter_last=2500,
    )
    SampledValue.objects.create(
        chargepoint=chargepoint, transaction=tx, timestamp=now, value="2500", unit="Wh"
    )
    StatusNotification.objects.create(
        chargepoint=chargepoint, connector=connector, status_reported="Occupied", timestamp=now
    )
    Heartbeat.objects.create(chargepoint=chargepoint, timestamp=now)
    ConfigurationVariable.objects.create(
        chargepoint=chargepoint,
        component="ChargingStation",
        variable="StatusLedBrightness",
        value="46",
    )
    ChargingProfile.objects.create(
        chargingprofile_id=1,
        name="Current limit",
        chargepoint=chargepoint,
        transaction=tx,
        chargingprofile_purpose="TxProfile",
        chargingschedule_period=[{"start_period": 0, "limit": 16.0}],
    )
    ChargingSession.objects.create(chargepoint=chargepoint, connector=connector, user=driver)
    ChargerLockout.objects.create(
        kind="address", key="192.0.2.7", failures=6, first_failure_at=now, last_failure_at=now
    )
    ServerProcess.objects.create(process_id="a" * 32, pid=1, started_at=now, heartbeat_at=now)
    Reservation.objects.create(
        reservation_id=1,
        chargepoint=chargepoint,
        connector=connector,
        user=driver,
        id_tag=tag,
        start_time=now,
        expiry_date=now + timedelta(minutes=15),
    )
    Notification.objects.create(
        user=driver,
        title="Charging started",
        message="Your car is charging.",
        type="CHARGING_STARTED",
    )
    CDR.objects.create(
        country_code="DE",
        party_id="CSM",
        start_date_time=now,
        end_date_time=now + timedelta(hours=1),
        session_id=str(tx.pk),
        transaction=tx,
        cdr_token={"uid": tag.idToken, "type": "RFID", "contract_id": tag.idToken},
        id_tag=tag,
        auth_method="WHITELIST",
        cdr_location={"id": "DEMO-LOC-1"},
        currency="EUR",
        total_cost={"excl_vat": 0.53, "incl_vat": 0.63},
        total_energy=1.5,
        total_time=1.0,
    )
    hub = OcpiPartner.objects.create(name="Roaming hub", country_code="NL", party_id="HUB")
    hub_card = PartnerToken.objects.create(
        id_tag=IdTag.objects.create(idToken="HUB-CARD"), partner=hub
    )
    OcpiAuthorization.objects.create(
        token=hub_card, source="REALTIME", allowed="ALLOWED", authorization_reference="r-1"
    )
    OcpiCommand.objects.create(
        partner=hub,
        type="STOP_SESSION",
        request={"session_id": str(tx.pk)},
        response_url="https://hub.example/commands/1",
        response="ACCEPTED",
    )
    OcpiPush.objects.create(
        partner=hub,
        module="cdrs",
        object_key=str(tx.pk),
        method="POST",
        url="https://hub.example/cdrs",
        body={"id": str(tx.pk)},
        last_error="HTTP 503",
    )
    ChargerEvent.objects.create(
        chargepoint=chargepoint,
        kind="FIRMWARE_STATUS",
        status="Installed",
        timestamp=now,
        payload={"status": "Installed"},
    )
    Command.objects.create(
        chargepoint=chargepoint,
        name="reset",
        params={"type": "soft"},
        source="admin",
        message_id="0b5e7f2c-demo",
        action="Reset",
        request={"type": "OnIdle"},
        status="accepted",
        response={"status": "Accepted"},
    )
    OCPPMessage.objects.create(
        chargepoint=chargepoint,
        message_id="19223201",
        direction="INBOUND",
        message_type=2,
        action="Heartbeat",
        payload={},
    )
    token_for(driver)
    return operator_client


def test_every_project_model_is_registered_in_the_admin():
    models = {
        (model._meta.app_label, model._meta.model_name)
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }
    assert models == set(REGISTERED) | INLINE_ONLY | NOT_IN_ADMIN


@pytest.mark.parametrize("app_label, model_name", REGISTERED)
def test_the_changelist_renders_with_search_and_every_filter(
    one_of_everything, app_label, model_name
):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = one_of_everything.get(url)
    assert response.status_code == 200
    assert one_of_everything.get(url, {"q": "DE*BMW"}).status_code == 200
    changelist = response.context["cl"]
    for spec in changelist.filter_specs:
        for choice in spec.choices(changelist):
            # An invalid lookup redirects to ?e=1 instead of rendering.
            filtered = one_of_everything.get(url + choice["query_string"])
            assert filtered.status_code == 200, (spec.title, choice["query_string"])


def test_the_site_list_filters_by_the_countries_the_operator_has_sites_in(operator_client):
    # The demo depot is in Germany; all 249 countries would bury it.
    response = operator_client.get(reverse("admin:chargepoints_location_changelist"))
    changelist = response.context["cl"]
    spec = next(spec for spec in changelist.filter_specs if spec.title == "country")
    offered = [choice["display"] for choice in spec.choices(changelist)]
    assert offered == ["All", "Germany"]
    filtered = operator_client.get(
        reverse("admin:chargepoints_location_changelist"), {"country": "TH"}
    )
    assert filtered.context["cl"].result_count == 0


@pytest.mark.parametrize("app_label, model_name", REGISTERED)
def test_the_add_page_renders_except_for_reported_history(operator_client, app_label, model_name):
    response = operator_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    expected = 403 if (app_label, model_name) in REPORTED_ONLY else 200
    assert response.status_code == expected


@pytest.mark.parametrize("app_label, model_name", REGISTERED)
def test_the_change_page_renders_for_every_model(one_of_everything, app_label, model_name):
    obj = apps.get_model(app_label, model_name).objects.first()
    url = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
    assert one_of_everything.get(url).status_code == 200


def test_the_demo_wallbox_is_listed_with_its_connector(operator_client):
    response = operator_client.get(reverse("admin:chargepoints_chargepoint_changelist"))
    assert BMW_WALLBOX_ID in response.content.decode()


def test_charger_reported_fields_are_read_only(operator_client):
    url = reverse("admin:chargepoints_chargepoint_change", args=[BMW_WALLBOX_ID])
    form = operator_client.get(url).context["adminform"].form
    assert "firmware_version" not in form.fields
    assert "connected" not in form.fields
    assert "name" in form.fields


def test_a_card_entered_in_the_admin_is_stored_masked(operator_client):
    profile = Profile.objects.get(user__username="demo-driver")
    url = reverse("admin:accounts_profile_change", args=[profile.pk])
    response = operator_client.post(
        url,
        {
            "user": profile.user_id,
            "timezone": "Asia/Bangkok",
            "chargepoint_sockets": '["IEC_62196_T2"]',
            "tariff_preference": "",
            "card_number": "5555 5555 5555 4444",
            "card_expiry": "12/39",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile.refresh_from_db()
    assert (profile.cc_brand, profile.cc_last4) == ("MasterCard", "4444")
    assert profile.timezone.key == "Asia/Bangkok"


def test_an_invalid_card_entered_in_the_admin_gets_a_field_error(operator_client):
    profile = Profile.objects.get(user__username="demo-driver")
    url = reverse("admin:accounts_profile_change", args=[profile.pk])
    response = operator_client.post(
        url,
        {
            "user": profile.user_id,
            "timezone": "UTC",
            "chargepoint_sockets": "[]",
            "card_number": "5555 5555 5555 4445",
            "card_expiry": "12/39",
        },
    )
    assert response.status_code == 200
    assert "card_number" in response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.cc_last4 == ""


def test_a_user_added_in_the_admin_gets_a_profile(operator_client):
    response = operator_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "walk-in",
            "phone_number": "+66811111111",
            "status": "ACTIVE",
            "usable_password": "true",
            "password1": "a long enough password 9",
            "password2": "a long enough password 9",
            "vehicles-TOTAL_FORMS": "0",
            "vehicles-INITIAL_FORMS": "0",
            "id_tags-TOTAL_FORMS": "0",
            "id_tags-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Profile.objects.filter(user__username="walk-in").exists()


def test_the_transaction_page_links_to_all_its_readings(one_of_everything):
    tx = Transaction.objects.get()
    page = one_of_everything.get(reverse("admin:chargepoints_transaction_change", args=[tx.pk]))
    link = f"/admin/chargepoints/sampledvalue/?transaction={tx.pk}"
    assert link in page.content.decode()
    listing = one_of_everything.get(link)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1


def test_a_charger_password_is_stored_hashed(operator_client):
    url = reverse("admin:chargepoints_chargepoint_change", args=[BMW_WALLBOX_ID])
    response = operator_client.post(
        url,
        {
            "name": "BMW wallbox",
            "location": "DEMO-LOC-1",
            "connector_count": "1",
            "registration_status": "Accepted",
            "security_profile": "1",
            "new_password": "sixteen-chars-pw!",
            "connectors-TOTAL_FORMS": "0",
            "connectors-INITIAL_FORMS": "0",
            "commands-TOTAL_FORMS": "0",
            "commands-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = ChargePoint.objects.get(pk=BMW_WALLBOX_ID).password
    assert stored.startswith("pbkdf2_sha256_charger$")
    assert "sixteen-chars-pw!" not in stored

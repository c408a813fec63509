"""Issue 15, finding 2: every admin action checks the right of what it does.

A view-only staff user credited a CDR, revoked tags and reissued a roaming
partner's registration token (then registered a fake partner with it). Each
attack is replayed here as that user; the matrix below runs over every admin
of the project, so a new action without ``permissions=`` fails it.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from accounts.models import IdTag
from billing.models import CDR, OcpiPartner
from billing.ocpi.tokens import token_hash
from billing.services.partners import ocpi_partner_invite
from chargepoints.models import Connector
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.billing.test_billing_admin import act as run_action
from tests.billing.test_billing_admin import stopped_never_started
from tests.billing.test_billing_flow import make_tariff, priced_chargers  # noqa: F401
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.test_parity import session_16

PROJECT_APPS = {"accounts", "chargepoints", "billing", "ocpp_gateway"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(django_user_model):
    """Staff who may look at everything and change nothing."""
    user = django_user_model.objects.create_user("viewer", password="x" * 12, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def _granted(user, *names: str):
    for name in names:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # Django caches a user's permissions on the instance.
    return type(user).objects.get(pk=user.pk)


def act(client, user, model: str, action: str, ids) -> str:
    """Run an admin action as ``user``; the messages the page shows."""
    client.force_login(user)
    return run_action(client, model, action, ids)


def test_a_view_only_user_is_offered_no_action_in_any_admin(viewer):
    request = RequestFactory().get("/admin/")
    request.user = viewer
    offered = {
        f"{model._meta.label}.{name}": name
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
        for name in model_admin.get_actions(request)
    }
    assert offered == {}


def test_a_view_only_user_cannot_credit_a_cdr(client, viewer, priced_chargers):  # noqa: F811
    session_16(Wire(ChargePoint16, "BILL-16"))
    cdr = CDR.objects.get()

    act(client, viewer, "billing_cdr", "credit_selected", [cdr.pk])

    assert not CDR.objects.filter(credit=True).exists()
    # With the right, the same request credits it.
    operator = _granted(viewer, "billing.credit_cdr")
    assert "1 credit CDRs created" in act(
        client, operator, "billing_cdr", "credit_selected", [cdr.pk]
    )


def test_a_view_only_user_cannot_approve_or_reprice_a_cdr(
    client,
    viewer,
    priced_chargers,  # noqa: F811
):
    session_16(Wire(ChargePoint16, "BILL-16"))
    cdr = CDR.objects.get()

    for action in ("approve", "reprice_selected"):
        assert act(client, viewer, "billing_cdr", action, [cdr.pk]) == ""

    assert list(CDR.objects.values_list("pk", flat=True)) == [cdr.pk]


def test_a_view_only_user_cannot_revoke_or_reinstate_a_drivers_tag(client, viewer, driver):
    tag = IdTag.objects.create(idToken="DRIVER-CARD", user=driver)

    act(client, viewer, "accounts_idtag", "revoke", [tag.pk])
    tag.refresh_from_db()
    assert not tag.revoked

    tag.revoked = True
    tag.save()
    act(client, viewer, "accounts_idtag", "reinstate", [tag.pk])
    tag.refresh_from_db()
    assert tag.revoked

    operator = _granted(viewer, "accounts.change_idtag")
    assert "1 id tag(s) reinstated" in act(
        client, operator, "accounts_idtag", "reinstate", [tag.pk]
    )


def test_a_view_only_user_cannot_reissue_a_partners_registration_token(client, viewer):
    partner = OcpiPartner.objects.create(name="Roamer")
    token = ocpi_partner_invite(partner=partner)

    message = act(client, viewer, "billing_ocpipartner", "invite", [partner.pk])

    assert "registration token" not in message
    partner.refresh_from_db()
    assert partner.token_a_hash == token_hash(token)


def test_a_view_only_user_cannot_reconcile_transactions_into_cdrs(
    client,
    viewer,
    priced_chargers,  # noqa: F811
):
    tx = stopped_never_started()
    tx.connector = Connector.objects.get(chargepoint_id="BILL-16")
    tx.save()

    act(client, viewer, "chargepoints_transaction", "reconcile", [tx.pk])

    assert not CDR.objects.exists()
    operator = _granted(viewer, "billing.add_cdr")
    assert "1 CDRs made" in act(client, operator, "chargepoints_transaction", "reconcile", [tx.pk])

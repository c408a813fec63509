"""Operators correct CDRs, reconcile partly known transactions and invite partners in the admin."""

import pytest
from django.urls import reverse

from accounts.models import IdTag
from billing.models import CDR, OcpiPartner
from billing.ocpi.tokens import token_hash
from chargepoints.models import Connector, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.billing.test_billing_flow import make_tariff, priced_chargers  # noqa: F401
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.test_parity import session_16


@pytest.fixture
def operator(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 12))
    return client


def act(client, model: str, action: str, ids) -> str:
    response = client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": action, "_selected_action": [str(i) for i in ids]},
        follow=True,
    )
    assert response.status_code == 200
    return " ".join(str(m) for m in response.context["messages"])


def test_a_cdr_page_shows_every_field_and_offers_no_edit(operator, priced_chargers):  # noqa: F811
    session_16(Wire(ChargePoint16, "BILL-16"))
    cdr = CDR.objects.get()
    response = operator.get(reverse("admin:billing_cdr_change", args=[cdr.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "3.689" in page and "T-EUR" in page
    assert 'name="_save"' not in page


def test_repricing_from_the_admin_credits_and_reissues(operator, priced_chargers):  # noqa: F811
    session_16(Wire(ChargePoint16, "BILL-16"))
    original = CDR.objects.get()
    # The operator lowers the tariff, then reprices the session with it.
    priced_chargers.elements.update(
        price_components=[{"type": "ENERGY", "price": 0.10, "step_size": 1}]
    )

    message = act(operator, "billing_cdr", "reprice_selected", [original.pk])

    assert "1 CDRs credited and reissued" in message
    credit = CDR.objects.get(credit=True)
    new = CDR.objects.exclude(pk__in=[original.pk, credit.pk]).get()
    assert credit.total_cost == {"excl_vat": -3.1, "incl_vat": -3.689}
    assert new.total_cost == {"excl_vat": 0.7, "incl_vat": 0.7}
    assert "Repriced with tariff T-EUR by root" in new.remark

    message = act(operator, "billing_cdr", "credit_selected", [original.pk])
    assert "already credited" in message


def stopped_never_started() -> Transaction:
    """A stop for a transaction never seen starting: kept for review, without a connector."""
    wire = Wire(ChargePoint16, "BILL-16")
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    wire.result(
        "StopTransaction",
        {"transactionId": 77, "meterStop": 4000, "timestamp": "2026-11-21T11:00:00Z"},
    )
    return Transaction.objects.get()


def test_reconciling_from_the_admin_makes_a_cdr_for_review(operator, priced_chargers):  # noqa: F811
    tx = stopped_never_started()

    assert "has no connector" in act(operator, "chargepoints_transaction", "reconcile", [tx.pk])

    form = operator.get(reverse("admin:chargepoints_transaction_change", args=[tx.pk]))
    assert "connector" in form.context["adminform"].form.fields
    tx.connector = Connector.objects.get(chargepoint_id="BILL-16")
    tx.save()
    message = act(operator, "chargepoints_transaction", "reconcile", [tx.pk])

    assert "1 CDRs made" in message
    cdr = CDR.objects.get()
    assert cdr.needs_review
    assert "approved" in act(operator, "billing_cdr", "approve", [cdr.pk])
    cdr.refresh_from_db()
    assert not cdr.needs_review


# The management form of the partner's inline of tags it issued, with no rows.
NO_TOKENS = {"tokens-TOTAL_FORMS": "0", "tokens-INITIAL_FORMS": "0"}


def test_adding_a_partner_issues_its_registration_token(operator):
    response = operator.post(
        reverse("admin:billing_ocpipartner_add"),
        {"name": "Roaming hub", "status": "PENDING", **NO_TOKENS},
        follow=True,
    )
    partner = OcpiPartner.objects.get()
    messages = " ".join(str(m) for m in response.context["messages"])
    token = messages.partition("registration token ")[2].split()[0]
    # Shown once, kept as its hash (billing.ocpi.tokens).
    assert partner.token_a_hash == token_hash(token)
    assert "http://testserver/ocpi/versions" in messages

    message = act(operator, "billing_ocpipartner", "invite", [partner.pk])
    new_token = message.partition("registration token ")[2].split()[0]
    partner.refresh_from_db()
    assert new_token != token
    assert partner.token_a_hash == token_hash(new_token)


def test_an_operator_lets_a_partner_see_our_drivers_and_names_the_tags_it_issued(operator):
    partner = OcpiPartner.objects.create(name="Roaming hub")
    tag = IdTag.objects.create(idToken="THEIR-CARD")
    url = reverse("admin:billing_ocpipartner_change", args=[partner.pk])

    response = operator.post(
        url,
        {
            "name": "Roaming hub",
            "status": "PENDING",
            "sees_our_drivers": "on",
            "tokens-TOTAL_FORMS": "1",
            "tokens-INITIAL_FORMS": "0",
            "tokens-0-id_tag": tag.pk,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    partner.refresh_from_db()
    assert partner.sees_our_drivers
    assert [t.id_tag_id for t in partner.tokens.all()] == ["THEIR-CARD"]


def test_a_tariff_element_typed_in_the_admin_is_checked_like_an_import(operator):
    tariff = make_tariff("T-ADMIN")
    element = tariff.elements.get()
    url = reverse("admin:billing_tariffelement_change", args=[element.pk])
    response = operator.post(
        url,
        {
            "tariff": tariff.pk,
            "position": 0,
            "price_components": '[{"type": "ENERGY", "price": -1, "step_size": 1}]',
            "restrictions": '{"start_time": "25:00"}',
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["price_components"] == ["[0].price: must not be negative"]
    assert errors["restrictions"] == ["start_time: must be a time of day as HH:MM (00:00 to 23:59)"]
    element.refresh_from_db()
    assert element.price_components[0]["price"] == 1.0


def test_a_transaction_page_shows_billings_tariff_and_cost_read_only(
    operator,
    priced_chargers,  # noqa: F811
):
    session_16(Wire(ChargePoint16, "BILL-16"))
    tx = Transaction.objects.get()

    page = operator.get(reverse("admin:chargepoints_transaction_change", args=[tx.pk]))
    listed = operator.get(reverse("admin:chargepoints_transaction_changelist"))

    text = page.content.decode()
    assert "Transaction pricing" in text and "T-EUR" in text and "3.6890" in text
    # Billing writes the price; the page offers no field to change it.
    assert 'name="pricing-0-total_cost"' not in text
    assert "3.6890" in listed.content.decode()


def test_a_connectors_tariffs_are_chosen_on_its_page_and_on_the_tariffs(
    operator,
    priced_chargers,  # noqa: F811
):
    connector = Connector.objects.get(chargepoint_id="BILL-16")
    other = make_tariff("T-OTHER")

    response = operator.post(
        reverse("admin:billing_tariff_change", args=[other.pk]),
        {
            "country_code": other.country_code,
            "party_id": other.party_id,
            "id": other.id,
            "currency": other.currency,
            "type": other.type,
            "tariff_alt_text": "[]",
            "connectors": [connector.pk],
            "elements-TOTAL_FORMS": "0",
            "elements-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(connector.tariff_ids.values_list("id", flat=True)) == {"T-EUR", "T-OTHER"}
    page = operator.get(reverse("admin:chargepoints_connector_change", args=[connector.pk]))
    assert "T-OTHER" in page.content.decode()

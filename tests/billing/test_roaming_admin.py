"""Operators see the pushes to partners with their last error, retry them, and read
partners' commands and authorizations; nothing of it is edited by hand."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdTag
from billing.enums import AllowedType, PushStatus
from billing.models import OcpiAuthorization, OcpiCommand, OcpiPush, PartnerToken
from billing.ocpi.outbox import _due
from tests.billing.ocpi.conftest import registered_partner

pytestmark = pytest.mark.django_db

PUSHES = "admin:billing_ocpipush_changelist"


@pytest.fixture
def partner():
    return registered_partner("Roaming eMSP", "NL", "EMS", ("b", "c" * 20), "emsp.example.com")


@pytest.fixture
def failed(partner) -> OcpiPush:
    return OcpiPush.objects.create(
        partner=partner,
        module="cdrs",
        object_key="cdr:DE/CSM/1",
        method="POST",
        url="https://emsp.example.com/ocpi/2.2.1/cdrs",
        body={"id": "1"},
        status=PushStatus.FAILED,
        attempts=12,
        last_error="https://emsp.example.com/ocpi/2.2.1/cdrs answered HTTP 400.",
    )


def staff(client, django_user_model, *codenames: str):
    user = django_user_model.objects.create_user("ops", password="x" * 12, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def retry(client, ids):
    return client.post(
        reverse(PUSHES),
        {"action": "retry_now", "_selected_action": [str(i) for i in ids]},
        follow=True,
    )


def test_the_push_list_shows_each_push_with_its_last_error(client, django_user_model, failed):
    operator = staff(client, django_user_model, "view_ocpipush")
    page = operator.get(reverse(PUSHES), {"status__exact": "FAILED"}).content.decode()
    assert "cdr:DE/CSM/1" in page and "answered HTTP 400." in page
    assert "Roaming eMSP" in page and "POST" in page
    detail = operator.get(reverse("admin:billing_ocpipush_change", args=[failed.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()  # read-only


def test_retry_now_makes_failed_pushes_due_with_fresh_attempts(client, django_user_model, failed):
    operator = staff(client, django_user_model, "view_ocpipush", "change_ocpipush")
    before = timezone.now()
    response = retry(operator, [failed.pk])
    assert "1 pushes are due now" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == PushStatus.PENDING and failed.attempts == 0
    assert failed.next_attempt_at >= before


def test_retry_now_leaves_delivered_pushes_alone(client, django_user_model, failed):
    failed.status = PushStatus.DELIVERED
    failed.save()
    operator = staff(client, django_user_model, "view_ocpipush", "change_ocpipush")
    assert "0 pushes are due now" in retry(operator, [failed.pk]).content.decode()
    failed.refresh_from_db()
    assert failed.status == PushStatus.DELIVERED


def test_staff_without_the_right_cannot_retry(client, django_user_model, failed):
    operator = staff(client, django_user_model, "view_ocpipush")
    page = operator.get(reverse(PUSHES)).content.decode()
    assert "retry_now" not in page
    retry(operator, [failed.pk])
    failed.refresh_from_db()
    assert failed.status == PushStatus.FAILED and failed.attempts == 12


def test_staff_without_view_rights_see_no_pushes(client, django_user_model, failed):
    operator = staff(client, django_user_model)
    assert operator.get(reverse(PUSHES)).status_code == 403


def test_nobody_adds_or_deletes_pushes_by_hand(admin_client, failed):
    assert admin_client.get(reverse("admin:billing_ocpipush_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:billing_ocpipush_delete", args=[failed.pk])).status_code
        == 403
    )


def test_commands_and_authorizations_are_shown_read_only(admin_client, partner):
    command = OcpiCommand.objects.create(
        partner=partner,
        type="START_SESSION",
        response_url="https://emsp.example.com/ocpi/2.2.1/commands/START_SESSION/7",
        response="ACCEPTED",
        result="TIMEOUT",
    )
    token = PartnerToken.objects.create(
        id_tag=IdTag.objects.create(idToken="AB12"), partner=partner, uid="AB12"
    )
    authorization = OcpiAuthorization.objects.create(
        token=token, source="COMMAND", allowed=AllowedType.ALLOWED, authorization_reference="REF-9"
    )
    commands = admin_client.get(reverse("admin:billing_ocpicommand_changelist")).content.decode()
    assert "START_SESSION" in commands and "TIMEOUT" in commands
    assert admin_client.get(reverse("admin:billing_ocpicommand_add")).status_code == 403
    page = admin_client.get(reverse("admin:billing_ocpicommand_change", args=[command.pk]))
    assert 'name="_save"' not in page.content.decode()
    listed = admin_client.get(
        reverse("admin:billing_ocpiauthorization_changelist")
    ).content.decode()
    assert "REF-9" in listed
    page = admin_client.get(
        reverse("admin:billing_ocpiauthorization_change", args=[authorization.pk])
    )
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def discard(client, ids):
    return client.post(
        reverse(PUSHES),
        {"action": "discard", "_selected_action": [str(i) for i in ids]},
        follow=True,
    )


def test_discarding_a_failed_push_lets_the_later_ones_of_its_object_go(
    client, django_user_model, failed, partner
):
    later = OcpiPush.objects.create(
        partner=partner,
        module=failed.module,
        object_key=failed.object_key,
        method="PATCH",
        url=failed.url,
        body={"id": "1"},
    )
    assert list(_due(timezone.now(), set(), 10)) == []  # held back by the failed one
    operator = staff(client, django_user_model, "view_ocpipush", "change_ocpipush")
    response = discard(operator, [failed.pk, later.pk])
    assert "1 failed pushes discarded" in response.content.decode()
    failed.refresh_from_db()
    later.refresh_from_db()
    assert (failed.status, later.status) == (PushStatus.DISCARDED, PushStatus.PENDING)
    assert list(_due(timezone.now(), set(), 10)) == [later]
    # A discarded push stays so: retrying it would send it after its successors.
    assert "0 pushes are due now" in retry(operator, [failed.pk]).content.decode()


def test_staff_without_the_right_cannot_discard(client, django_user_model, failed):
    operator = staff(client, django_user_model, "view_ocpipush")
    assert "discard" not in operator.get(reverse(PUSHES)).content.decode()
    discard(operator, [failed.pk])
    failed.refresh_from_db()
    assert failed.status == PushStatus.FAILED

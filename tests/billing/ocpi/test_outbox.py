"""The outbox (billing/ocpi/outbox.py): pushes to partners are kept, sent once, in order,
and retried with backoff while the partner fails."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from billing.enums import PushStatus
from billing.models import OcpiPartner, OcpiPush
from billing.ocpi import outbox
from billing.ocpi.outbox import (
    ocpi_outbox_deliver,
    ocpi_push_enqueue,
    push_claim,
    push_retry_delay,
)
from tests.billing.ocpi.push_receiver import Receiver, ok, token_b_header

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_partners(settings):
    # The fake partner is on http://127.0.0.1 (a developer's machine).
    settings.DEBUG = True
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = True
    settings.CSMS_OCPI_COUNTRY_CODE = "DE"
    settings.CSMS_OCPI_PARTY_ID = "CSM"


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def enqueue(partner, key="session:1", method="PUT", body=None, module="sessions", path=None):
    base = partner.endpoints[0]["url"].rsplit("/", 1)[0]
    url = f"{base}/{module}/DE/CSM/{key.split(':')[-1]}" if path is None else f"{base}/{path}"
    return ocpi_push_enqueue(
        partner=partner,
        module=module,
        method=method,
        url=url,
        body={"id": key} if body is None else body,
        object_key=key,
    )


def later(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_enqueue_stores_a_pending_row_and_calls_nobody(receiver):
    partner = receiver.partner()
    push = enqueue(partner, method="put", body={"kwh": 1.5})
    row = OcpiPush.objects.get(pk=push.pk)
    assert (row.status, row.method, row.module, row.object_key) == (
        PushStatus.PENDING,
        "PUT",
        "sessions",
        "session:1",
    )
    assert row.body == {"kwh": 1.5} and row.attempts == 0
    assert receiver.calls == []


def test_enqueue_rolls_back_with_the_change_that_made_it(receiver):
    partner = receiver.partner()
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(partner)
        raise RuntimeError("the change failed")
    assert not OcpiPush.objects.exists()


def test_deliver_sends_the_call_with_token_b_and_routing_headers(receiver):
    partner = receiver.partner()
    push = enqueue(partner, body={"id": "1", "kwh": 2, "country_code": "DE", "party_id": "CSM"})
    assert ocpi_outbox_deliver() == 1
    (call,) = receiver.calls
    assert (call.method, call.path) == ("PUT", "/ocpi/2.2.1/sessions/DE/CSM/1")
    assert call.body == {"id": "1", "kwh": 2, "country_code": "DE", "party_id": "CSM"}
    assert call.headers["authorization"] == token_b_header(partner)
    # OCPI 2.2.1 transport §4.3.1: from our party to the receiving one.
    assert call.headers["ocpi-from-country-code"] == "DE"
    assert call.headers["ocpi-from-party-id"] == "CSM"
    assert call.headers["ocpi-to-country-code"] == "NL"
    assert call.headers["ocpi-to-party-id"] == "EMS"
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.DELIVERED and row.delivered_at is not None
    assert row.attempts == 1 and row.last_error == ""
    # Delivered once: the next run sends nothing.
    assert ocpi_outbox_deliver() == 0
    assert len(receiver.calls) == 1


def test_the_token_owner_is_the_receiving_party(receiver):
    partner = receiver.partner("Hub", "NL", "HUB")
    body = {
        "country_code": "BE",
        "party_id": "CPX",
        "cdr_token": {"country_code": "FR", "party_id": "EMX"},
    }
    enqueue(partner, key="cdr:5", method="POST", module="cdrs", path="cdrs", body=body)
    enqueue(partner, key="session:9", method="PATCH", body={"kwh": 3})
    ocpi_outbox_deliver()
    cdr, patch = receiver.calls
    assert cdr.path == "/ocpi/2.2.1/cdrs"
    assert (cdr.headers["ocpi-to-country-code"], cdr.headers["ocpi-to-party-id"]) == ("FR", "EMX")
    assert (cdr.headers["ocpi-from-country-code"], cdr.headers["ocpi-from-party-id"]) == (
        "BE",
        "CPX",
    )
    # A PATCH has no parties in its body: the URL's are the sender's.
    assert (patch.headers["ocpi-from-country-code"], patch.headers["ocpi-from-party-id"]) == (
        "DE",
        "CSM",
    )
    assert patch.headers["ocpi-to-party-id"] == "HUB"


def test_a_500_is_retried_with_backoff_then_delivered(receiver):
    partner = receiver.partner()
    push = enqueue(partner)
    receiver.respond = lambda call: (500, {"error": "down"}, 0)
    start = timezone.now()
    assert ocpi_outbox_deliver(now=start) == 0
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.PENDING and row.attempts == 1
    assert "HTTP 500" in row.last_error
    assert row.next_attempt_at == start + datetime.timedelta(seconds=30)
    # Not due before its time.
    assert ocpi_outbox_deliver(now=start + datetime.timedelta(seconds=29)) == 0
    assert len(receiver.calls) == 1
    # The second failure waits twice as long.
    second = start + datetime.timedelta(seconds=30)
    ocpi_outbox_deliver(now=second)
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == second + datetime.timedelta(seconds=60)
    receiver.respond = lambda call: (200, {"status_code": 1000, "timestamp": "x"}, 0)
    assert ocpi_outbox_deliver(now=second + datetime.timedelta(seconds=60)) == 1
    row.refresh_from_db()
    assert row.status == PushStatus.DELIVERED and row.attempts == 3
    assert len(receiver.calls) == 3


def test_the_backoff_doubles_up_to_an_hour():
    delays = [push_retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_timeout_is_retried_and_holds_up_only_that_partner(receiver, settings):
    settings.CSMS_OCPI_PUSH_TIMEOUT = 0.3
    slow = receiver.partner("Slow eMSP", "NL", "SLO")
    fast = receiver.partner("Fast eMSP", "BE", "FST")
    first = enqueue(slow, key="session:1")
    enqueue(slow, key="session:2")
    other = enqueue(fast, key="session:3")

    def answer(call):
        pause = 2.0 if call.headers["authorization"] == token_b_header(slow) else 0
        return 200, {"status_code": 1000, "timestamp": "x"}, pause

    receiver.respond = answer
    assert ocpi_outbox_deliver() == 1
    # The slow partner got one call, the fast one its push.
    assert (
        len([c for c in receiver.calls if c.headers["authorization"] == token_b_header(slow)]) == 1
    )
    assert OcpiPush.objects.get(pk=other.pk).status == PushStatus.DELIVERED
    row = OcpiPush.objects.get(pk=first.pk)
    assert row.status == PushStatus.PENDING and row.attempts == 1
    assert "could not be reached" in row.last_error
    assert OcpiPush.objects.get(object_key="session:2").attempts == 0


def test_a_refusal_fails_at_once_with_its_error(receiver):
    partner = receiver.partner()
    push = enqueue(partner)
    receiver.respond = lambda call: (
        400,
        {"status_code": 2001, "status_message": "Missing kwh", "timestamp": "x"},
        0,
    )
    assert ocpi_outbox_deliver() == 0
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.FAILED and row.attempts == 1
    assert "HTTP 400" in row.last_error
    ocpi_outbox_deliver(now=later(7200))
    assert len(receiver.calls) == 1


def test_an_ocpi_client_error_in_a_200_fails_at_once_with_its_message(receiver):
    partner = receiver.partner()
    push = enqueue(partner)
    receiver.respond = lambda call: (
        200,
        {"status_code": 2001, "status_message": "Unknown location", "timestamp": "x"},
        0,
    )
    ocpi_outbox_deliver()
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.FAILED
    assert "2001" in row.last_error and "Unknown location" in row.last_error


def test_an_ocpi_success_other_than_1000_is_delivered(receiver):
    # Status codes §5: every 1xxx is a success.
    partner = receiver.partner()
    push = enqueue(partner)
    receiver.respond = lambda call: (200, {"status_code": 1001, "timestamp": "x"}, 0)
    assert ocpi_outbox_deliver() == 1
    assert OcpiPush.objects.get(pk=push.pk).status == PushStatus.DELIVERED


def test_an_answer_that_is_not_ocpi_is_tried_again(receiver):
    # A maintenance page served with 200 is nothing the partner decided.
    partner = receiver.partner()
    push = enqueue(partner)
    receiver.respond = lambda call: (200, "Down for maintenance", 0)
    assert ocpi_outbox_deliver() == 0
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.PENDING and "status_code None" in row.last_error
    receiver.respond = ok
    assert ocpi_outbox_deliver(now=later(31)) == 1
    assert OcpiPush.objects.get(pk=push.pk).status == PushStatus.DELIVERED


def test_a_call_that_outlived_its_lease_does_not_overwrite_the_next_claim(receiver, settings):
    settings.CSMS_OCPI_PUSH_TIMEOUT = 5
    partner = receiver.partner()
    push = enqueue(partner)
    now = timezone.now()
    slow = OcpiPush.objects.get(pk=push.pk)
    assert push_claim(slow, now=now)
    # Its lease over, another process claims the row and delivers it ...
    assert ocpi_outbox_deliver(now=now + datetime.timedelta(seconds=66)) == 1
    # ... and then the first call's late refusal comes back.
    receiver.respond = lambda call: (400, {"status_code": 2001, "timestamp": "x"}, 0)
    outbox._send(slow, now)
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.DELIVERED and row.last_error == ""


def test_it_gives_up_after_the_maximum_attempts(receiver, settings):
    settings.CSMS_OCPI_PUSH_MAX_ATTEMPTS = 2
    partner = receiver.partner()
    push = enqueue(partner)
    receiver.respond = lambda call: (503, {}, 0)
    ocpi_outbox_deliver()
    ocpi_outbox_deliver(now=later(31))
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.FAILED and row.attempts == 2
    assert row.last_error.startswith("Given up after 2 attempts") and "HTTP 503" in row.last_error
    ocpi_outbox_deliver(now=later(7200))
    assert len(receiver.calls) == 2


def test_pushes_about_one_object_leave_in_order(receiver):
    partner = receiver.partner()
    put = enqueue(partner, method="PUT", body={"step": 1})
    enqueue(partner, method="PATCH", body={"step": 2})
    enqueue(partner, method="PATCH", body={"step": 3})
    receiver.respond = lambda call: (
        (500, {}, 0)
        if call.body == {"step": 1}
        else (
            200,
            {"status_code": 1000, "timestamp": "x"},
            0,
        )
    )
    ocpi_outbox_deliver()
    # The PUT failed: the PATCHes wait for it, due or not.
    assert [c.body for c in receiver.calls] == [{"step": 1}]
    receiver.respond = lambda call: (200, {"status_code": 1000, "timestamp": "x"}, 0)
    assert OcpiPush.objects.filter(pk=put.pk).update(next_attempt_at=timezone.now()) == 1
    assert ocpi_outbox_deliver() == 3
    assert [c.body for c in receiver.calls] == [{"step": 1}, {"step": 1}, {"step": 2}, {"step": 3}]


def test_a_failed_push_holds_back_the_later_ones_of_its_object(receiver):
    partner = receiver.partner()
    enqueue(partner, key="session:1", body={"step": 1})
    enqueue(partner, key="session:1", method="PATCH", body={"step": 2})
    enqueue(partner, key="session:2", body={"other": True})
    receiver.respond = lambda call: (
        (404, {}, 0)
        if call.body == {"step": 1}
        else (
            200,
            {"status_code": 1000, "timestamp": "x"},
            0,
        )
    )
    ocpi_outbox_deliver()
    assert [c.body for c in receiver.calls] == [{"step": 1}, {"other": True}]
    assert OcpiPush.objects.get(body={"step": 2}).status == PushStatus.PENDING


def test_a_row_claimed_by_another_process_is_sent_once(receiver):
    partner = receiver.partner()
    push = enqueue(partner)
    # Two processes read the row as due; the first to claim it sends it.
    seen_by_a = OcpiPush.objects.get(pk=push.pk)
    seen_by_b = OcpiPush.objects.get(pk=push.pk)
    now = timezone.now()
    assert push_claim(seen_by_a, now=now) is True
    assert push_claim(seen_by_b, now=now) is False
    # While A holds the lease (sending), B's run finds nothing to send.
    assert ocpi_outbox_deliver() == 0
    assert receiver.calls == []


def test_a_row_whose_sender_died_is_sent_when_its_lease_ends(receiver, settings):
    settings.CSMS_OCPI_PUSH_TIMEOUT = 5
    partner = receiver.partner()
    push = enqueue(partner)
    now = timezone.now()
    # A process claims it and dies before the call (a crash, a restart).
    assert push_claim(OcpiPush.objects.get(pk=push.pk), now=now)
    assert ocpi_outbox_deliver(now=now + datetime.timedelta(seconds=30)) == 0
    assert ocpi_outbox_deliver(now=now + datetime.timedelta(seconds=66)) == 1
    assert len(receiver.calls) == 1
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.DELIVERED and row.attempts == 2


def test_pending_pushes_survive_a_restart(receiver):
    partner = receiver.partner()
    receiver.respond = lambda call: (502, {}, 0)
    enqueue(partner, key="cdr:1", method="POST", module="cdrs", path="cdrs", body={"id": "1"})
    ocpi_outbox_deliver()
    # A new process knows only the database.
    partner_again = OcpiPartner.objects.get(pk=partner.pk)
    assert partner_again.pushes.get().status == PushStatus.PENDING
    receiver.respond = lambda call: (200, {"status_code": 1000, "timestamp": "x"}, 0)
    assert ocpi_outbox_deliver(now=later(31)) == 1
    assert [c.body for c in receiver.calls] == [{"id": "1"}, {"id": "1"}]


def test_a_partner_no_longer_registered_is_sent_nothing(receiver):
    partner = receiver.partner()
    push = enqueue(partner)
    partner.status = OcpiPartner.Status.SUSPENDED
    partner.save(update_fields=["status"])
    assert ocpi_outbox_deliver() == 0
    assert receiver.calls == []
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.PENDING and row.attempts == 0
    # Registered again: what it missed leaves.
    partner.status = OcpiPartner.Status.REGISTERED
    partner.save(update_fields=["status"])
    assert ocpi_outbox_deliver() == 1


def test_the_limit_bounds_one_run(receiver):
    partner = receiver.partner()
    for n in range(5):
        enqueue(partner, key=f"session:{n}")
    assert ocpi_outbox_deliver(limit=2) == 2
    assert ocpi_outbox_deliver() == 3

"""The outbox under faults (billing/ocpi/outbox.py): a partner that moves its endpoints or
registers again, an operator's "retry now" while a push is on the wire, two processes
sending at once."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from billing.enums import PushStatus
from billing.models import OcpiPartner, OcpiPush
from billing.ocpi import credentials as credentials_module
from billing.ocpi.credentials import (
    PartnerCredentials,
    ocpi_partner_register,
    ocpi_partner_unregister,
    ocpi_partner_update,
)
from billing.ocpi.outbox import (
    ocpi_outbox_deliver,
    ocpi_push_enqueue,
    ocpi_pushes_retry,
    push_claim,
)
from billing.ocpi.tokens import token_hash
from tests.billing.ocpi.push_receiver import MODULES, Receiver

pytestmark = pytest.mark.django_db

ROLES = [
    {
        "role": "EMSP",
        "party_id": "EMS",
        "country_code": "NL",
        "business_details": {"name": "Roaming eMSP"},
    }
]


@pytest.fixture(autouse=True)
def local_partners(settings):
    settings.DEBUG = True  # the fake partners are on http://127.0.0.1
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = True
    settings.CSMS_OCPI_COUNTRY_CODE = "DE"
    settings.CSMS_OCPI_PARTY_ID = "CSM"


@pytest.fixture
def old_host():
    with Receiver() as server:
        yield server


@pytest.fixture
def new_host():
    with Receiver() as server:
        yield server


def endpoints_of(host: Receiver) -> list[dict]:
    return [
        {"identifier": module, "role": "RECEIVER", "url": host.url(module)} for module in MODULES
    ]


def session_put(partner: OcpiPartner, host: Receiver) -> OcpiPush:
    # What push_sessions queues: {sessions receiver}/{country_code}/{party_id}/{id}.
    return ocpi_push_enqueue(
        partner=partner,
        module="sessions",
        method="PUT",
        url=f"{host.url('sessions')}/DE/CSM/7",
        body={"id": "7"},
        object_key="session:7",
    )


def new_endpoints(monkeypatch, host: Receiver) -> None:
    # The partner's versions and details, as a registration reads them.
    monkeypatch.setattr(
        credentials_module, "partner_endpoints_fetch", lambda **_: endpoints_of(host)
    )


# -- credentials change (credentials §7.2.3 PUT, §7.2.4 DELETE) ----------------


def test_a_push_queued_before_new_credentials_goes_to_the_new_endpoint(
    old_host, new_host, monkeypatch
):
    partner = old_host.partner(token_c="token-c-old-0123456789")
    session_put(partner, old_host)
    # The partner moves its platform: PUT credentials with a new versions URL
    # whose sessions receiver is elsewhere, and a new token B.
    new_endpoints(monkeypatch, new_host)
    ocpi_partner_update(
        partner_id=partner.pk,
        token_c="token-c-old-0123456789",
        credentials=PartnerCredentials(
            token="token-b-new", url=f"{new_host.base}/ocpi/versions", roles=ROLES
        ),
    )
    assert ocpi_outbox_deliver() == 1
    # Not to the old host (which would get the new token B), but to the new one.
    assert old_host.calls == []
    assert [(c.method, c.path) for c in new_host.calls] == [
        ("PUT", "/ocpi/2.2.1/sessions/DE/CSM/7")
    ]


def test_a_push_held_while_unregistered_goes_to_the_endpoint_of_the_new_registration(
    old_host, new_host, monkeypatch
):
    partner = old_host.partner()
    session_put(partner, old_host)
    ocpi_partner_unregister(partner_id=partner.pk)
    assert ocpi_outbox_deliver() == 0  # credentials §7.2.4: no calls after a DELETE
    # The operator hands out a new token A; the partner registers from its new platform.
    OcpiPartner.objects.filter(pk=partner.pk).update(token_a_hash=token_hash("token-a-again"))
    new_endpoints(monkeypatch, new_host)
    ocpi_partner_register(
        partner_id=partner.pk,
        token_a="token-a-again",
        credentials=PartnerCredentials(
            token="token-b-new", url=f"{new_host.base}/ocpi/versions", roles=ROLES
        ),
    )
    assert ocpi_outbox_deliver() == 1
    assert old_host.calls == []
    assert [c.path for c in new_host.calls] == ["/ocpi/2.2.1/sessions/DE/CSM/7"]


def test_a_push_to_a_module_the_partner_no_longer_receives_fails_and_says_why(
    old_host, new_host, monkeypatch
):
    partner = old_host.partner(token_c="token-c-old-0123456789")
    push = session_put(partner, old_host)
    monkeypatch.setattr(
        credentials_module,
        "partner_endpoints_fetch",
        lambda **_: [e for e in endpoints_of(new_host) if e["identifier"] != "sessions"],
    )
    ocpi_partner_update(
        partner_id=partner.pk,
        token_c="token-c-old-0123456789",
        credentials=PartnerCredentials(
            token="token-b-new", url=f"{new_host.base}/ocpi/versions", roles=ROLES
        ),
    )
    assert ocpi_outbox_deliver() == 0
    assert old_host.calls == [] and new_host.calls == []
    row = OcpiPush.objects.get(pk=push.pk)
    assert row.status == PushStatus.FAILED
    assert "no longer lists a sessions receiver" in row.last_error


def test_a_command_result_still_goes_to_the_response_url_the_emsp_gave(old_host, new_host):
    partner = new_host.partner()
    # commands §13.3.1: response_url is the eMSP's own choice, not one of its modules.
    ocpi_push_enqueue(
        partner=partner,
        module="commands",
        method="POST",
        url=f"{old_host.base}/results/42",
        body={"result": "ACCEPTED"},
        object_key="command:42",
    )
    assert ocpi_outbox_deliver() == 1
    assert [c.path for c in old_host.calls] == ["/results/42"]


# -- the operator's "retry now" ------------------------------------------------


def test_retry_now_leaves_a_push_being_sent_alone(old_host):
    partner = old_host.partner()
    push = session_put(partner, old_host)
    # Process A claimed it and is waiting for the partner's answer ...
    assert push_claim(OcpiPush.objects.get(pk=push.pk), now=timezone.now())
    # ... when an operator selects every pending push and retries them.
    assert ocpi_pushes_retry(pushes=OcpiPush.objects.all()) == 0
    # Process B must not send it a second time while A's call runs.
    assert ocpi_outbox_deliver() == 0
    assert old_host.calls == []


def test_retry_now_makes_a_waiting_push_due_once_its_last_call_is_over(old_host, settings):
    settings.CSMS_OCPI_PUSH_TIMEOUT = 5
    partner = old_host.partner()
    old_host.respond = lambda call: (503, {}, 0)
    push = session_put(partner, old_host)
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    ocpi_outbox_deliver(now=long_ago)  # failed; waits for its backoff
    old_host.respond = lambda call: (200, {"status_code": 1000, "timestamp": "x"}, 0)
    assert ocpi_pushes_retry(pushes=OcpiPush.objects.filter(pk=push.pk)) == 1
    assert ocpi_outbox_deliver() == 1


def test_retry_now_unblocks_an_object_held_by_a_failed_push(old_host):
    partner = old_host.partner()
    old_host.respond = lambda call: (400, {"status_code": 2001, "timestamp": "x"}, 0)
    put = session_put(partner, old_host)
    ocpi_outbox_deliver()
    ocpi_push_enqueue(
        partner=partner,
        module="sessions",
        method="PATCH",
        url=f"{old_host.url('sessions')}/DE/CSM/7",
        body={"kwh": 2},
        object_key="session:7",
    )
    old_host.respond = lambda call: (200, {"status_code": 1000, "timestamp": "x"}, 0)
    assert ocpi_outbox_deliver() == 0  # the PATCH waits for its PUT
    ocpi_pushes_retry(pushes=OcpiPush.objects.filter(pk=put.pk))
    assert ocpi_outbox_deliver() == 2
    assert [c.method for c in old_host.calls] == ["PUT", "PUT", "PATCH"]


# -- two processes at once -------------------------------------------------------
# Two server processes (or a server and ``manage.py ocpi_push --loop``) are two
# threads with their own connections. SQLite's in-memory test database locks a
# whole table against a second writer, which says nothing of production.
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)


def two_processes(job) -> list[Exception]:
    start = threading.Barrier(2)
    errors = []

    def process():
        try:
            start.wait()
            job()
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()

    runs = [threading.Thread(target=process) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    return errors


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_processes_delivering_at_once_send_each_push_once(old_host):
    partner = old_host.partner()
    for n in range(20):
        ocpi_push_enqueue(
            partner=partner,
            module="cdrs",
            method="POST",
            url=old_host.url("cdrs"),
            body={"id": str(n)},
            object_key=f"cdr:DE/CSM/{n}",
        )
    # A slow partner, so both runs overlap for the whole batch.
    old_host.respond = lambda call: (200, {"status_code": 1000, "timestamp": "x"}, 0.02)
    assert two_processes(ocpi_outbox_deliver) == []
    assert sorted(int(c.body["id"]) for c in old_host.calls) == list(range(20))
    assert set(OcpiPush.objects.values_list("status", flat=True)) == {PushStatus.DELIVERED}


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_processes_keep_the_order_of_each_objects_pushes(old_host):
    partner = old_host.partner()
    for step in range(4):
        for n in range(5):
            ocpi_push_enqueue(
                partner=partner,
                module="sessions",
                method="PUT" if step == 0 else "PATCH",
                url=f"{old_host.url('sessions')}/DE/CSM/{n}",
                body={"n": n, "step": step},
                object_key=f"session:{n}",
            )
    old_host.respond = lambda call: (200, {"status_code": 1000, "timestamp": "x"}, 0.01)

    def until_sent():
        for _ in range(10):
            ocpi_outbox_deliver()

    assert two_processes(until_sent) == []
    for n in range(5):
        steps = [c.body["step"] for c in old_host.calls if c.body["n"] == n]
        assert steps == [0, 1, 2, 3]

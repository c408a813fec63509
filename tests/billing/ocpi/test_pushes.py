"""The push collectors (billing/ocpi/push_*.py) through the push cycle: what a partner's
receiver interfaces get when sessions, CDRs, EVSE statuses and tariffs change,
once per change and only what the partner may see."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.enums import PushStatus
from billing.models import OcpiPush, OcpiSyncState, Tariff, TariffElement
from billing.ocpi.push_cycle import ocpi_push_cycle
from billing.services.cdrs import cdr_approve, cdr_create, cdr_credit
from chargepoints.enums import NormalizedStatus, TransactionStatus
from chargepoints.models import Transaction
from tests.billing.ocpi.conftest import issued_tag
from tests.billing.ocpi.push_receiver import Receiver, token_b_header

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
UID = "04A2B3C4D5E6F7"


@pytest.fixture(autouse=True)
def local_partners(settings):
    settings.DEBUG = True  # the fake partner is on http://127.0.0.1
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = True
    settings.CSMS_OCPI_COUNTRY_CODE = "DE"
    settings.CSMS_OCPI_PARTY_ID = "CSM"
    settings.CSMS_OCPI_SESSION_PUSH_INTERVAL = 60


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def partner(receiver):
    partner = receiver.partner("Roaming eMSP", "NL", "EMS")
    issued_tag(partner, UID)
    return partner


@pytest.fixture
def other(receiver):
    return receiver.partner("Other eMSP", "BE", "OTH")


def calls_to(receiver, partner, module):
    return [c for c in receiver.of(module) if c.headers["authorization"] == token_b_header(partner)]


def start_transaction(connector) -> Transaction:
    return Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        id_tag_id=UID,
        id_token=UID,
        start_transaction_timestamp=START,
        wh_meter_start=1000,
        wh_meter_last=1000,
    )


def meter(tx: Transaction, wh: float) -> None:
    tx.wh_meter_last = wh
    tx.total_energy = (wh - tx.wh_meter_start) / 1000
    tx.save()


def stop(tx: Transaction, wh: float) -> None:
    tx.wh_meter_stop = tx.wh_meter_last = wh
    tx.total_energy = (wh - tx.wh_meter_start) / 1000
    tx.transaction_status = TransactionStatus.COMPLETED
    tx.stop_transaction_timestamp = START + datetime.timedelta(minutes=50)
    tx.save()


def interval_passes(partner, module="sessions") -> None:
    """The last look at every object of ``module`` was long enough ago."""
    OcpiSyncState.objects.filter(partner=partner, module=module).exclude(
        object_key="~cursor"
    ).update(pushed_at=timezone.now() - datetime.timedelta(seconds=61))


# -- sessions ----------------------------------------------------------------


def test_a_roaming_session_is_put_then_patched_then_patched_final(receiver, partner, connector):
    ocpi_push_cycle()  # the partner's first look: from now on
    tx = start_transaction(connector)

    ocpi_push_cycle()
    (put,) = calls_to(receiver, partner, "sessions")
    assert put.method == "PUT"
    assert put.path == f"/ocpi/2.2.1/sessions/DE/CSM/{tx.uuid}"
    assert put.body["id"] == str(tx.uuid) and put.body["status"] == "ACTIVE"
    assert put.body["cdr_token"]["uid"] == UID and put.body["kwh"] == 0
    assert put.headers["ocpi-to-party-id"] == "EMS"

    # Charging: not PATCHed before the interval is over...
    meter(tx, 3500)
    ocpi_push_cycle()
    assert len(calls_to(receiver, partner, "sessions")) == 1
    # ...then once, with what changed.
    interval_passes(partner)
    ocpi_push_cycle()
    ocpi_push_cycle()
    calls = calls_to(receiver, partner, "sessions")
    assert [c.method for c in calls] == ["PUT", "PATCH"]
    patch = calls[1]
    assert patch.path == put.path
    assert patch.body["kwh"] == 2.5 and patch.body["status"] == "ACTIVE"
    assert set(patch.body) == {"kwh", "charging_periods", "status", "last_updated"}

    # Ended: PATCHed at once, though the interval is not over.
    stop(tx, 6000)
    ocpi_push_cycle()
    final = calls_to(receiver, partner, "sessions")[-1]
    assert final.method == "PATCH"
    assert final.body["status"] == "COMPLETED" and final.body["kwh"] == 5.0
    assert final.body["end_date_time"] == (START + datetime.timedelta(minutes=50)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    ocpi_push_cycle()
    assert len(calls_to(receiver, partner, "sessions")) == 3
    assert set(OcpiPush.objects.values_list("status", flat=True)) == {PushStatus.DELIVERED}


def test_a_session_that_did_not_change_is_not_pushed_again(receiver, partner, connector):
    ocpi_push_cycle()
    tx = start_transaction(connector)
    ocpi_push_cycle()
    # Saved without a change a partner sees (the power reading).
    tx.last_power_w = 7400
    tx.save()
    interval_passes(partner)
    ocpi_push_cycle()
    assert [c.method for c in calls_to(receiver, partner, "sessions")] == ["PUT"]


def test_another_partner_gets_none_of_its_sessions_or_cdrs(receiver, partner, other, connector):
    ocpi_push_cycle()
    tx = start_transaction(connector)
    ocpi_push_cycle()
    stop(tx, 4000)
    cdr_create(tx=tx)
    ocpi_push_cycle()
    assert [c.method for c in calls_to(receiver, partner, "sessions")] == ["PUT", "PATCH"]
    assert len(calls_to(receiver, partner, "cdrs")) == 1
    assert calls_to(receiver, other, "sessions") == []
    assert calls_to(receiver, other, "cdrs") == []
    assert not OcpiPush.objects.filter(partner=other).exists()


def test_a_partner_without_a_sessions_receiver_gets_no_session(receiver, connector):
    partner = receiver.partner(modules=("cdrs",))
    issued_tag(partner, UID)
    ocpi_push_cycle()
    start_transaction(connector)
    ocpi_push_cycle()
    assert receiver.calls == []


# -- CDRs ----------------------------------------------------------------------


def test_a_cdr_is_posted_once(receiver, partner, connector):
    ocpi_push_cycle()
    tx = start_transaction(connector)
    stop(tx, 4000)
    record = cdr_create(tx=tx)
    ocpi_push_cycle()
    ocpi_push_cycle()
    (post,) = calls_to(receiver, partner, "cdrs")
    assert (post.method, post.path) == ("POST", "/ocpi/2.2.1/cdrs")
    assert post.body["id"] == record.id and post.body["total_energy"] == 3.0
    assert post.body["cdr_token"]["uid"] == UID
    assert post.headers["ocpi-to-country-code"] == "NL"


def test_a_credit_cdr_is_posted_too(receiver, partner, connector):
    ocpi_push_cycle()
    tx = start_transaction(connector)
    stop(tx, 4000)
    record = cdr_create(tx=tx)
    ocpi_push_cycle()
    credit = cdr_credit(cdr=record, remark="Charged twice")
    ocpi_push_cycle()
    ids = [c.body["id"] for c in calls_to(receiver, partner, "cdrs")]
    assert ids[0] == record.id and credit.id in ids[1:]
    posted = next(c.body for c in calls_to(receiver, partner, "cdrs") if c.body["id"] == credit.id)
    assert posted["credit"] is True and posted["credit_reference_id"] == record.id


def test_a_cdr_waiting_for_review_is_posted_when_approved(receiver, partner, connector):
    ocpi_push_cycle()
    tx = start_transaction(connector)
    stop(tx, 4000)
    record = cdr_create(tx=tx, review_note="Stop for an unknown start")
    ocpi_push_cycle()
    assert calls_to(receiver, partner, "cdrs") == []
    cdr_approve(cdr=record)
    ocpi_push_cycle()
    assert [c.body["id"] for c in calls_to(receiver, partner, "cdrs")] == [record.id]


# -- EVSE statuses ---------------------------------------------------------------


def test_an_evse_status_change_is_patched_once(receiver, partner, other, connector):
    chargepoint = connector.chargepoint
    chargepoint.connected = True
    chargepoint.status = NormalizedStatus.AVAILABLE
    chargepoint.save()
    connector.status = NormalizedStatus.AVAILABLE
    connector.save()
    ocpi_push_cycle()  # what each partner sees first is its baseline
    assert receiver.of("locations") == []

    connector.status = NormalizedStatus.FAULTED
    connector.save()
    ocpi_push_cycle()
    ocpi_push_cycle()
    for someone in (partner, other):
        (patch,) = calls_to(receiver, someone, "locations")
        assert patch.method == "PATCH"
        assert patch.path == f"/ocpi/2.2.1/locations/DE/CSM/{chargepoint.location_id}/CP-TEST-1*1"
        assert set(patch.body) == {"status", "last_updated"}
        assert patch.body["status"] == "OUTOFORDER"


def test_no_evse_patch_when_its_status_did_not_change(receiver, partner, connector):
    chargepoint = connector.chargepoint
    chargepoint.connected = True
    chargepoint.save()
    connector.status = NormalizedStatus.AVAILABLE
    connector.save()
    ocpi_push_cycle()
    connector.max_power = 22
    connector.save()
    ocpi_push_cycle()
    # A charger going offline is a status change of its EVSEs (UNKNOWN).
    chargepoint.connected = False
    chargepoint.save()
    ocpi_push_cycle()
    assert [c.body["status"] for c in receiver.of("locations")] == ["UNKNOWN"]


# -- tariffs -------------------------------------------------------------------------


def test_tariffs_are_put_when_changed_and_deleted_when_gone(receiver, partner):
    ocpi_push_cycle()
    tariff = Tariff.objects.create(id="AC-1", country_code="DE", party_id="CSM", currency="EUR")
    TariffElement.objects.create(
        tariff=tariff, price_components=[{"type": "ENERGY", "price": 0.30, "step_size": 1}]
    )
    ocpi_push_cycle()
    ocpi_push_cycle()
    (put,) = calls_to(receiver, partner, "tariffs")
    assert (put.method, put.path) == ("PUT", "/ocpi/2.2.1/tariffs/DE/CSM/AC-1")
    assert (
        put.body["id"] == "AC-1" and put.body["elements"][0]["price_components"][0]["price"] == 0.3
    )

    tariff.currency = "CHF"
    tariff.save()
    ocpi_push_cycle()
    assert [c.method for c in calls_to(receiver, partner, "tariffs")] == ["PUT", "PUT"]
    assert calls_to(receiver, partner, "tariffs")[-1].body["currency"] == "CHF"

    tariff.delete()
    ocpi_push_cycle()
    ocpi_push_cycle()
    calls = calls_to(receiver, partner, "tariffs")
    assert [c.method for c in calls] == ["PUT", "PUT", "DELETE"]
    assert calls[-1].path == "/ocpi/2.2.1/tariffs/DE/CSM/AC-1" and calls[-1].body is None


def test_a_tariff_of_another_party_is_not_ours_to_push(receiver, partner):
    ocpi_push_cycle()
    Tariff.objects.create(id="X", country_code="NL", party_id="XYZ", currency="EUR")
    ocpi_push_cycle()
    assert receiver.of("tariffs") == []


# -- how the cycle runs ------------------------------------------------------------


def test_the_server_processes_run_the_push_cycle(settings):
    from csms.asgi import application

    assert (settings.CSMS_OCPI_PUSH_INTERVAL, ocpi_push_cycle) in application.jobs


def test_the_management_command_runs_one_cycle(receiver, partner, connector):
    ocpi_push_cycle()
    start_transaction(connector)
    out = io.StringIO()
    call_command("ocpi_push", stdout=out)
    assert [c.method for c in calls_to(receiver, partner, "sessions")] == ["PUT"]
    assert out.getvalue() == "Pushes pending: 0, failed: 0.\n"

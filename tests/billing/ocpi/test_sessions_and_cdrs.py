"""Sessions and CDRs Sender interfaces: our transactions and our billed records.

A partner sees those charged with the tokens it issued (billing.models.PartnerToken),
so the records here are charged with the registered partner's tags unless a
test says otherwise; a second partner must see none of them.
"""

import datetime
import uuid

import pytest

from billing.models import CDR, Tariff, TariffElement, TransactionPricing
from billing.snapshots import tariff_ocpi
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction
from tests.billing.ocpi.conftest import envelope, issued_tag

SESSIONS = "/ocpi/2.2.1/sessions"
CDRS = "/ocpi/2.2.1/cdrs"
SINCE = {"date_from": "2000-01-01T00:00:00Z"}
START = datetime.datetime(2024, 5, 1, 8, 0, tzinfo=datetime.UTC)
# The registered partner's drivers' tags.
SESSION_UID = "04A2B3C4D5E6F7"
CDR_UID = "012345678"


@pytest.fixture(autouse=True)
def their_tags(registered):
    issued_tag(registered, SESSION_UID)
    issued_tag(registered, CDR_UID)


def transaction(connector, *, tariff=None, tariff_snapshot=None, **fields) -> Transaction:
    uid = fields.pop("uid", SESSION_UID)
    defaults = {
        "chargepoint": connector.chargepoint,
        "connector": connector,
        "id_tag_id": uid,
        "id_token": uid,
        "start_transaction_timestamp": START,
        "wh_meter_start": 1000,
    }
    tx = Transaction.objects.create(**{**defaults, **fields})
    if tariff_snapshot is not None:
        TransactionPricing.objects.create(
            transaction=tx, tariff=tariff, tariff_snapshot=tariff_snapshot
        )
    return tx


@pytest.fixture
def energy_tariff(db) -> Tariff:
    tariff = Tariff.objects.create(id="AC-1", country_code="DE", party_id="CSM", currency="EUR")
    TariffElement.objects.create(
        tariff=tariff,
        price_components=[{"type": "ENERGY", "price": 0.30, "vat": 20.0, "step_size": 1}],
    )
    return tariff


def test_an_unpriced_active_transaction_is_an_active_session(emsp, connector):
    tx = transaction(connector, wh_meter_last=3500)

    data = envelope(emsp.get(SESSIONS, SINCE))["data"]

    assert len(data) == 1
    session = data[0]
    assert session == {
        "country_code": "DE",
        "party_id": "CSM",
        "id": str(tx.uuid),
        "start_date_time": "2024-05-01T08:00:00Z",
        "kwh": 2.5,
        # Issued by the partner: its country code and party id (CDRs §10.4.2).
        "cdr_token": {
            "country_code": "NL",
            "party_id": "EMS",
            "uid": "04A2B3C4D5E6F7",
            "type": "RFID",
            "contract_id": "04A2B3C4D5E6F7",
        },
        "auth_method": "WHITELIST",
        "location_id": connector.chargepoint.location_id,
        "evse_uid": "CP-TEST-1*1",
        "connector_id": "1",
        "currency": "EUR",
        "charging_periods": [],
        "status": "ACTIVE",
        "last_updated": session["last_updated"],
    }
    assert len(session["id"]) <= 36


def test_a_priced_completed_transaction_carries_its_costs(emsp, connector, energy_tariff):
    tx = transaction(
        connector,
        tariff=energy_tariff,
        tariff_snapshot=tariff_ocpi(energy_tariff),
        transaction_status=TransactionStatus.COMPLETED,
        stop_transaction_timestamp=START + datetime.timedelta(hours=1),
        wh_meter_stop=11000,
        total_energy=10.0,
    )

    session = envelope(emsp.get(SESSIONS, SINCE))["data"][0]

    assert session["id"] == str(tx.uuid)
    assert session["status"] == "COMPLETED"
    assert session["end_date_time"] == "2024-05-01T09:00:00Z"
    assert session["kwh"] == 10.0
    assert session["currency"] == "EUR"
    assert session["total_cost"] == {"excl_vat": 3.0, "incl_vat": 3.6}
    periods = session["charging_periods"]
    assert periods[0]["start_date_time"] == "2024-05-01T08:00:00Z"
    assert periods[0]["tariff_id"] == "AC-1"
    energy = [d["volume"] for p in periods for d in p["dimensions"] if d["type"] == "ENERGY"]
    assert sum(energy) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"needs_review": True}, "INVALID"),
        ({"transaction_status": TransactionStatus.FAILED}, "INVALID"),
        ({"transaction_status": TransactionStatus.CANCELED}, "INVALID"),
    ],
)
def test_transactions_that_will_not_be_billed_are_invalid_sessions(emsp, connector, fields, status):
    transaction(connector, **fields)

    assert envelope(emsp.get(SESSIONS, SINCE))["data"][0]["status"] == status


def test_a_transaction_without_a_connector_is_no_session(emsp, chargepoint):
    Transaction.objects.create(
        chargepoint=chargepoint, start_transaction_timestamp=START, needs_review=True
    )

    response = emsp.get(SESSIONS, SINCE)

    assert envelope(response)["data"] == []
    assert response["X-Total-Count"] == "0"


def test_sessions_require_date_from_and_filter_on_last_updated(emsp, connector):
    old = transaction(connector)
    new = transaction(connector)
    Transaction.objects.filter(pk=old.pk).update(updated_at=START)
    Transaction.objects.filter(pk=new.pk).update(updated_at=START + datetime.timedelta(hours=2))

    envelope(emsp.get(SESSIONS), status=400, code=2001)
    since = envelope(emsp.get(SESSIONS, {"date_from": "2024-05-01T09:00:00Z"}))["data"]
    before = envelope(
        emsp.get(SESSIONS, {"date_from": "2024-05-01T00:00:00Z", "date_to": "2024-05-01T10:00:00Z"})
    )["data"]

    assert [s["id"] for s in since] == [str(new.uuid)]
    assert [s["id"] for s in before] == [str(old.uuid)]


def test_sessions_page_oldest_first(emsp, connector):
    txs = [transaction(connector) for _ in range(3)]

    response = emsp.get(SESSIONS, {**SINCE, "limit": 2})

    assert [s["id"] for s in envelope(response)["data"]] == [str(tx.uuid) for tx in txs[:2]]
    assert response["X-Total-Count"] == "3"
    assert "offset=2" in response["Link"]


def cdr(location, **fields) -> CDR:
    uid = fields.pop("uid", CDR_UID)
    defaults = {
        "country_code": "DE",
        "party_id": "CSM",
        "start_date_time": START,
        "end_date_time": START + datetime.timedelta(hours=2),
        "session_id": str(uuid.uuid4()),
        "id_tag_id": uid,
        "cdr_token": {
            "country_code": "NL",
            "party_id": "EMS",
            "uid": uid,
            "type": "RFID",
            "contract_id": uid,
        },
        "auth_method": "WHITELIST",
        "cdr_location": {"id": location.id, "name": location.name, "evse_uid": "CP-TEST-1*1"},
        "location": location,
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2024-05-01T08:00:00Z",
                "dimensions": [{"type": "TIME", "volume": 2}],
            }
        ],
        "total_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
        "total_energy": 15.342,
        "total_time": 2.0,
        "total_time_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
    }
    return CDR.objects.create(**{**defaults, **fields})


def test_cdrs_are_served_as_stored_with_their_tariffs(emsp, location, energy_tariff):
    record = cdr(location, meter_id="M-1")
    record.tariffs.add(energy_tariff)

    data = envelope(emsp.get(CDRS))["data"]

    assert data == [
        {
            "country_code": "DE",
            "party_id": "CSM",
            "id": record.id,
            "start_date_time": "2024-05-01T08:00:00Z",
            "end_date_time": "2024-05-01T10:00:00Z",
            "session_id": record.session_id,
            "cdr_token": record.cdr_token,
            "auth_method": "WHITELIST",
            "cdr_location": record.cdr_location,
            "meter_id": "M-1",
            "currency": "EUR",
            "tariffs": [tariff_ocpi(energy_tariff)],
            "charging_periods": record.charging_periods,
            "total_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
            "total_energy": 15.342,
            "total_time": 2.0,
            "total_time_cost": {"excl_vat": 4.0, "incl_vat": 4.4},
            "last_updated": data[0]["last_updated"],
        }
    ]
    assert len(record.id) <= 36


def test_credit_cdrs_say_so(emsp, location):
    original = cdr(location)
    credit = cdr(
        location,
        id=f"{original.id}-C",
        credit=True,
        credit_reference_id=original.id,
        total_cost={"excl_vat": -4.0, "incl_vat": -4.4},
        end_date_time=original.end_date_time + datetime.timedelta(seconds=1),
    )

    data = envelope(emsp.get(CDRS))["data"]

    assert [row["id"] for row in data] == [original.id, credit.id]
    assert "credit" not in data[0]
    assert data[1]["credit"] is True
    assert data[1]["credit_reference_id"] == original.id
    assert len(data[1]["id"]) <= 39


def test_cdrs_waiting_for_review_are_hidden_and_not_counted(emsp, location):
    shown = cdr(location)
    cdr(location, needs_review=True, review_note="Stop for an unknown start")

    response = emsp.get(CDRS)

    assert [row["id"] for row in envelope(response)["data"]] == [shown.id]
    assert response["X-Total-Count"] == "1"


def test_cdrs_of_other_parties_are_not_ours_to_send(emsp, location):
    cdr(location, country_code="NL", party_id="XYZ")

    assert envelope(emsp.get(CDRS))["data"] == []


def test_cdrs_filter_on_last_updated(emsp, location):
    early, late = cdr(location), cdr(location)
    CDR.objects.filter(pk=early.pk).update(last_updated=START)
    CDR.objects.filter(pk=late.pk).update(last_updated=START + datetime.timedelta(days=1))

    data = envelope(emsp.get(CDRS, {"date_from": "2024-05-02T00:00:00Z"}))["data"]

    assert [row["id"] for row in data] == [late.id]


def test_a_second_partner_sees_none_of_the_first_ones_sessions_or_cdrs(
    emsp, other, other_emsp, connector, location
):
    mine, my_record = transaction(connector), cdr(location)
    issued_tag(other, "OTHER-CARD")
    theirs, their_record = transaction(connector, uid="OTHER-CARD"), cdr(location, uid="OTHER-CARD")

    sessions, cdrs = other_emsp.get(SESSIONS, SINCE), other_emsp.get(CDRS)

    assert [s["id"] for s in envelope(sessions)["data"]] == [str(theirs.uuid)]
    assert [r["id"] for r in envelope(cdrs)["data"]] == [their_record.id]
    assert (sessions["X-Total-Count"], cdrs["X-Total-Count"]) == ("1", "1")
    for body in (sessions.content.decode(), cdrs.content.decode()):
        assert SESSION_UID not in body and CDR_UID not in body
        assert str(mine.uuid) not in body and my_record.id not in body
    # And the first partner none of the second one's.
    assert [s["id"] for s in envelope(emsp.get(SESSIONS, SINCE))["data"]] == [str(mine.uuid)]
    assert [r["id"] for r in envelope(emsp.get(CDRS))["data"]] == [my_record.id]


def test_a_session_of_its_own_token_names_the_partner_as_the_tokens_issuer(emsp, connector):
    transaction(connector)

    token = envelope(emsp.get(SESSIONS, SINCE))["data"][0]["cdr_token"]

    assert (token["country_code"], token["party_id"], token["uid"]) == ("NL", "EMS", SESSION_UID)


SIGNED = {"encoding_method": "OCMF", "signed_values": [], "url": ""}


def test_our_drivers_sessions_and_cdrs_reach_only_a_partner_allowed_to_see_them(
    emsp, registered, other_emsp, connector, location
):
    issued_tag(None, "OUR-DRIVER")
    ours = [transaction(connector, uid="OUR-DRIVER") for _ in range(2)]
    unknown = transaction(connector, uid="UNKNOWN-CARD", id_tag_id=None)
    our_record = cdr(location, uid="OUR-DRIVER", signed_data=SIGNED)

    assert envelope(emsp.get(SESSIONS, SINCE))["data"] == []
    assert envelope(emsp.get(CDRS))["data"] == []

    registered.sees_our_drivers = True
    registered.save()
    sessions = emsp.get(SESSIONS, SINCE)
    cdrs = emsp.get(CDRS)

    data = envelope(sessions)["data"]
    assert [s["id"] for s in data] == [str(tx.uuid) for tx in [*ours, unknown]]
    assert [r["id"] for r in envelope(cdrs)["data"]] == [our_record.id]
    # Without the uids: an alias, the same for each session of one driver,
    # and no signed meter data (it signs the uid too).
    aliases = [s["cdr_token"]["uid"] for s in data]
    assert aliases[0] == aliases[1] != aliases[2]
    assert all(s["cdr_token"]["contract_id"] == s["cdr_token"]["uid"] for s in data)
    assert (data[0]["cdr_token"]["country_code"], data[0]["cdr_token"]["party_id"]) == ("DE", "CSM")
    assert "signed_data" not in envelope(cdrs)["data"][0]
    for body in (sessions.content.decode(), cdrs.content.decode()):
        assert "OUR-DRIVER" not in body and "UNKNOWN-CARD" not in body
    # A partner nobody allowed still sees none of them.
    assert envelope(other_emsp.get(SESSIONS, SINCE))["data"] == []
    assert envelope(other_emsp.get(CDRS))["data"] == []


def test_a_partner_gets_the_signed_data_of_its_own_tokens_cdrs(emsp, location):
    cdr(location, signed_data=SIGNED)

    assert envelope(emsp.get(CDRS))["data"][0]["signed_data"] == SIGNED

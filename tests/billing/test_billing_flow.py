"""A charging session through the gateway ends priced, with a CDR; CDRs are corrected by credit."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import IdTag
from billing.models import CDR, Tariff, TariffElement
from billing.pricing import CurrencyMismatch
from billing.services.cdrs import (
    CdrRefused,
    cdr_approve,
    cdr_credit,
    cdr_reissue,
    transaction_reconcile,
)
from chargepoints.models import ChargePoint, Connector, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.test_parity import TAG, session_16, session_201


def make_tariff(tariff_id="T-EUR", currency="EUR", energy="0.30", flat="1.00", vat=19.0):
    tariff = Tariff.objects.create(
        country_code="DE", party_id="CSM", id=tariff_id, currency=currency
    )
    TariffElement.objects.create(
        tariff=tariff,
        position=0,
        price_components=[
            {"type": "FLAT", "price": float(flat), "vat": vat, "step_size": 1},
            {"type": "ENERGY", "price": float(energy), "vat": vat, "step_size": 1},
        ],
    )
    return tariff


@pytest.fixture
def priced_chargers(location, driver):
    """Two chargers (1.6 and 2.0.1) whose connector 1 has the 0.30 EUR/kWh + 1 EUR tariff."""
    IdTag.objects.create(idToken=TAG, user=driver)
    tariff = make_tariff()
    for name in ("BILL-16", "BILL-201"):
        chargepoint = ChargePoint.objects.create(chargepoint_id=name, location=location)
        connector = Connector.objects.create(
            chargepoint=chargepoint, connectorid=1, evse_id=1, evse_connector_id=1
        )
        connector.tariff_ids.add(tariff)
    return tariff


@pytest.mark.parametrize(
    ("chargepoint_id", "adapter", "session"),
    [("BILL-16", ChargePoint16, session_16), ("BILL-201", ChargePoint201, session_201)],
)
def test_a_session_ends_with_a_cdr_priced_by_the_connector_tariff(
    priced_chargers, chargepoint_id, adapter, session
):
    session(Wire(adapter, chargepoint_id))

    tx = Transaction.objects.get(chargepoint_id=chargepoint_id)
    cdr = CDR.objects.get(transaction=tx)
    # 10 000 Wh -> 17 000 Wh: 7 kWh at 0.30 plus 1.00, 19 % VAT.
    assert cdr.total_energy == (tx.wh_meter_stop - tx.wh_meter_start) / 1000 == 7.0
    assert cdr.total_cost == {"excl_vat": 3.1, "incl_vat": 3.689}
    assert cdr.total_fixed_cost == {"excl_vat": 1.0, "incl_vat": 1.19}
    assert cdr.total_energy_cost == {"excl_vat": 2.1, "incl_vat": 2.499}
    assert cdr.total_time == 1.0
    assert cdr.currency == "EUR"
    assert tx.pricing.total_cost == Decimal("3.6890")
    assert [t["id"] for t in cdr.tariff_snapshots] == ["T-EUR"]
    assert list(cdr.tariffs.values_list("id", flat=True)) == ["T-EUR"]
    assert cdr.session_id == str(tx.uuid)
    assert cdr.cdr_token["uid"] == TAG and cdr.cdr_token["type"] == "RFID"
    assert cdr.auth_method == "WHITELIST"
    assert cdr.cdr_location["id"] == tx.chargepoint.location_id
    assert cdr.cdr_location["evse_uid"] == f"{chargepoint_id}*1"
    assert cdr.cdr_location["country"] == "DEU"
    assert cdr.remark == "Stopped: EVDisconnected."
    assert not cdr.needs_review and not cdr.credit
    # CDR totals are the sums of their periods.
    volumes: dict[str, float] = {}
    for period in cdr.charging_periods:
        assert period["tariff_id"] == "T-EUR"
        for dimension in period["dimensions"]:
            volumes[dimension["type"]] = volumes.get(dimension["type"], 0) + dimension["volume"]
    assert volumes["ENERGY"] == pytest.approx(cdr.total_energy)
    assert volumes["TIME"] + volumes.get("PARKING_TIME", 0) == pytest.approx(cdr.total_time)


def test_the_running_cost_follows_the_meter(priced_chargers):
    wire = Wire(ChargePoint16, "BILL-16")
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    started = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": TAG, "meterStart": 10_000, "timestamp": "2026-11-21T10:00:00Z"},
    )
    tx = Transaction.objects.get(pk=started["transactionId"])
    assert tx.pricing.tariff_id == "T-EUR"
    assert tx.pricing.total_cost == Decimal("1.1900")  # the start fee, before any energy

    wire.result(
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": tx.pk,
            "meterValue": [
                {
                    "timestamp": "2026-11-21T10:30:00Z",
                    "sampledValue": [
                        {"value": "13500", "measurand": "Energy.Active.Import.Register"}
                    ],
                }
            ],
        },
    )
    tx.pricing.refresh_from_db()
    # 3.5 kWh * 0.30 + 1.00 = 2.05, incl. 19 % VAT 2.4395.
    assert tx.pricing.total_cost == Decimal("2.4395")
    assert not CDR.objects.exists()


def test_a_tariff_edited_during_a_session_does_not_reprice_it(priced_chargers):
    wire = Wire(ChargePoint16, "BILL-16")
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    started = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": "2026-11-21T10:00:00Z"},
    )
    TariffElement.objects.filter(tariff=priced_chargers).update(
        price_components=[{"type": "ENERGY", "price": 9.99, "step_size": 1}]
    )
    wire.result(
        "StopTransaction",
        {
            "transactionId": started["transactionId"],
            "meterStop": 2000,
            "timestamp": "2026-11-21T11:00:00Z",
        },
    )
    cdr = CDR.objects.get()
    assert cdr.total_cost == {"excl_vat": 1.6, "incl_vat": 1.904}
    assert cdr.tariff_snapshots[0]["elements"][0]["price_components"][1]["price"] == 0.3


def test_parking_is_priced_from_the_16_connector_status(location, driver):
    IdTag.objects.create(idToken=TAG, user=driver)
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", id="PARK", currency="EUR")
    TariffElement.objects.create(
        tariff=tariff,
        price_components=[
            {"type": "TIME", "price": 2.0, "step_size": 1},
            {"type": "PARKING_TIME", "price": 6.0, "step_size": 60},
        ],
    )
    chargepoint = ChargePoint.objects.create(chargepoint_id="PARK-16", location=location)
    Connector.objects.create(chargepoint=chargepoint, connectorid=1).tariff_ids.add(tariff)
    wire = Wire(ChargePoint16, "PARK-16")
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})

    def status(value, at):
        wire.result(
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": value, "timestamp": at},
        )

    started = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": TAG, "meterStart": 0, "timestamp": "2026-11-21T10:00:00Z"},
    )
    status("Charging", "2026-11-21T10:00:00Z")
    status("SuspendedEV", "2026-11-21T10:30:00Z")  # full: parking from here
    wire.result(
        "StopTransaction",
        {
            "transactionId": started["transactionId"],
            "meterStop": 5000,
            "timestamp": "2026-11-21T10:50:30Z",
        },
    )
    cdr = CDR.objects.get()
    # 30 min charging at 2.00/h = 1.00; 20.5 min parking billed per minute: 21 min at 6.00/h = 2.10.
    assert cdr.total_time_cost == {"excl_vat": 1.0, "incl_vat": 1.0}
    assert cdr.total_parking_cost == {"excl_vat": 2.1, "incl_vat": 2.1}
    # 20.5 min = 0.341666... h, to 4 decimals as every OCPI number (types §16.6).
    assert cdr.total_parking_time == 0.3417
    assert cdr.total_cost == {"excl_vat": 3.1, "incl_vat": 3.1}
    assert [p["dimensions"][0]["type"] for p in cdr.charging_periods] == ["TIME", "PARKING_TIME"]


def test_a_connector_without_tariff_gets_a_free_cdr(location, driver):
    IdTag.objects.create(idToken=TAG, user=driver)
    ChargePoint.objects.create(chargepoint_id="FREE-16", location=location)
    session_16(Wire(ChargePoint16, "FREE-16"))
    cdr = CDR.objects.get()
    assert cdr.currency == "EUR"
    assert cdr.total_cost == {"excl_vat": 0.0, "incl_vat": 0.0}
    assert cdr.total_energy == 7.0
    assert cdr.tariff_snapshots == []
    assert "tariff_id" not in cdr.charging_periods[0]


def test_a_stop_for_an_unknown_start_gets_a_cdr_for_review_once_reconciled(priced_chargers):
    wire = Wire(ChargePoint16, "BILL-16")
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    wire.result(
        "StopTransaction",
        {
            "transactionId": 4242,
            "meterStop": 15_000,
            "timestamp": "2026-11-21T11:00:00Z",
            "transactionData": [
                {
                    "timestamp": "2026-11-21T10:00:00Z",
                    "sampledValue": [
                        {"value": "12000", "measurand": "Energy.Active.Import.Register"}
                    ],
                }
            ],
        },
    )
    tx = Transaction.objects.get()
    assert tx.needs_review and not CDR.objects.exists()

    # The operator gives it the connector it was on, then reconciles it.
    tx.connector = Connector.objects.get(chargepoint_id="BILL-16")
    tx.save()
    cdr = transaction_reconcile(tx=tx)

    tx.refresh_from_db()
    assert tx.start_transaction_timestamp == datetime.datetime(
        2026, 11, 21, 10, tzinfo=datetime.UTC
    )
    assert cdr.needs_review and "4242" in cdr.review_note
    assert cdr.total_energy == 3.0
    assert cdr.total_cost == {"excl_vat": 1.9, "incl_vat": 2.261}
    with pytest.raises(CdrRefused, match="not waiting"):
        transaction_reconcile(tx=tx)
    assert not cdr_approve(cdr=cdr).needs_review


def test_a_cdr_is_corrected_by_a_credit_and_a_new_cdr(priced_chargers):
    session_16(Wire(ChargePoint16, "BILL-16"))
    original = CDR.objects.get()
    cheaper = make_tariff("T-CHEAP", energy="0.20", flat="0")

    credit, replacement = cdr_reissue(cdr=original, tariff=cheaper, remark="Goodwill: wrong tariff")

    original.refresh_from_db()
    assert original.total_cost == {"excl_vat": 3.1, "incl_vat": 3.689}  # unchanged
    assert credit.id == f"{original.id}-C"
    assert credit.credit and credit.credit_reference_id == original.id
    assert credit.total_cost == {"excl_vat": -3.1, "incl_vat": -3.689}
    assert credit.total_energy == original.total_energy
    assert replacement.total_cost == {"excl_vat": 1.4, "incl_vat": 1.666}
    assert not replacement.credit and replacement.remark == "Goodwill: wrong tariff"
    assert CDR.objects.count() == 3
    with pytest.raises(CdrRefused, match="already credited"):
        cdr_credit(cdr=original)
    with pytest.raises(CdrRefused, match="credit CDR"):
        cdr_credit(cdr=credit)


def test_a_correction_in_another_currency_is_refused_and_writes_nothing(priced_chargers):
    session_16(Wire(ChargePoint16, "BILL-16"))
    original = CDR.objects.get()
    baht = make_tariff("T-THB", currency="THB", energy="8")

    with pytest.raises(CurrencyMismatch, match="T-THB is in THB, the session in EUR"):
        cdr_reissue(cdr=original, tariff=baht)
    assert list(CDR.objects.values_list("id", flat=True)) == [original.id]


def test_the_transactions_list_shows_running_costs_in_a_fixed_number_of_queries(
    priced_chargers, driver, location
):
    # One charger with the tariff, one without (its sessions have no cost).
    ChargePoint.objects.create(chargepoint_id="FREE-16", location=location)
    wires = [Wire(ChargePoint16, "BILL-16"), Wire(ChargePoint16, "FREE-16")]
    for wire in wires:
        wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    client = APIClient()

    def listed(first: int, starts: int) -> tuple[list, int]:
        # The caller afresh, as token authentication loads them for each
        # request: each list reads their permissions (whether they see all).
        client.force_authenticate(type(driver).objects.get(pk=driver.pk))
        for n in range(first, first + starts):
            for wire in wires:
                # A card each: a card already charging is refused (ConcurrentTx).
                card = IdTag.objects.create(idToken=f"CARD-{n}-{wire.adapter.id}", user=driver)
                wire.result(
                    "StartTransaction",
                    {
                        "connectorId": 1,
                        "idTag": card.idToken,
                        "meterStart": 10_000 + n,
                        "timestamp": f"2026-11-21T10:{n:02d}:00Z",
                    },
                )
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/v1/transactions/").json()
        costs = sorted(
            (row["chargepoint_id"], row["cost"]["incl_vat"]["amount"] if row["cost"] else "")
            for row in body["results"]
        )
        return costs, len(queries)

    two, queries_for_two = listed(0, 1)
    twelve, queries_for_twelve = listed(1, 5)

    assert two == [("BILL-16", "1.19"), ("FREE-16", "")]
    assert twelve == [("BILL-16", "1.19")] * 6 + [("FREE-16", "")] * 6
    assert queries_for_twelve == queries_for_two


def test_the_running_cost_is_updated_from_where_it_was_left_and_stays_exact(
    priced_chargers, monkeypatch
):
    from billing.pricing import running
    from billing.selectors import transaction_costs
    from billing.services import pricing

    from_scratch = []

    def counted(*args):
        from_scratch.append(args[1].end)
        return running.running_price(*args)

    monkeypatch.setattr(pricing, "running_price", counted)

    wire = Wire(ChargePoint16, "BILL-16")
    wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
    started = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": TAG, "meterStart": 10_000, "timestamp": "2026-11-21T10:00:00Z"},
    )
    tx_id = started["transactionId"]

    def meter(minute: int, wh: int) -> int:
        frame = {
            "connectorId": 1,
            "transactionId": tx_id,
            "meterValue": [
                {
                    "timestamp": f"2026-11-21T{10 + minute // 60:02d}:{minute % 60:02d}:00Z",
                    "sampledValue": [
                        {"value": str(wh), "measurand": "Energy.Active.Import.Register"},
                        {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                    ],
                }
            ],
        }
        with CaptureQueriesContext(connection) as queries:
            wire.result("MeterValues", frame)
        return len(queries)

    def exact() -> tuple:
        tx = Transaction.objects.select_related("pricing").get(pk=tx_id)
        whole = transaction_costs(tx=tx, snapshot=tx.pricing.tariff_snapshot)
        return tx.pricing.total_cost, whole.total.incl_vat

    counts = []
    for minute in range(1, 41):
        counts.append(meter(minute, 10_000 + 120 * minute))
        shown, whole = exact()
        assert shown == whole, f"after minute {minute}"
    # Priced whole at the start and at the first reading (the start alone is a
    # moment of no length); each reading after that only adds itself.
    assert [at.strftime("%H:%M") for at in from_scratch] == ["10:00", "10:01"]
    assert counts[9] == counts[39]

    # A batch replayed after an outage, older than the cost shown: priced whole again.
    meter(20, 10_000 + 120 * 20 + 1)
    shown, whole = exact()
    assert shown == whole
    assert len(from_scratch) == 3

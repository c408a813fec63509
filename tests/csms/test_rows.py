"""csms/rows.py: the hot path's reads and writes give exactly what the ORM gives.

Run on SQLite and on PostgreSQL (make test-postgres): the values come back
through each backend's own converters.
"""

import datetime
import uuid
from decimal import Decimal

import pytest

from accounts.models import IdTag
from billing.models import TransactionPricing
from chargepoints.models import ChargePoint, Connector, SampledValue, Transaction
from csms.rows import RowReader, keys_present, row_insert, row_update, rows_insert
from ocpp_gateway.models import OCPPMessage

T0 = datetime.datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db

BY_KEY = RowReader(Transaction, ["chargepoint", "pk"], for_update=True)
BY_CHARGER_ID = RowReader(Transaction, ["chargepoint", "charger_transaction_id"])
KEY_ONLY = RowReader(Transaction, ["pk"], fields=["pk", "wh_meter_last"])
PRICING = RowReader(TransactionPricing, ["transaction"])


@pytest.fixture
def tx(chargepoint, connector):
    return Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        charger_transaction_id="TX-1",
        start_transaction_timestamp=T0,
        wh_meter_start=1000.5,
        wh_meter_last=1250.25,
        charging_states=[{"timestamp": T0.isoformat(), "state": "Charging"}],
    )


def _as_orm_reads_it(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_a_row_read_by_key_equals_the_orms_instance(tx):
    read = BY_KEY.get(tx.chargepoint_id, tx.pk)
    assert isinstance(read, Transaction)
    assert _as_orm_reads_it(read) == _as_orm_reads_it(Transaction.objects.get(pk=tx.pk))
    # Aware datetimes, UUIDs and JSON come back as Python values.
    assert read.start_transaction_timestamp == T0
    assert isinstance(read.uuid, uuid.UUID)
    assert read.charging_states == [{"timestamp": T0.isoformat(), "state": "Charging"}]
    assert BY_CHARGER_ID.get(tx.chargepoint_id, "TX-1").pk == tx.pk


def test_a_missing_row_is_none_not_another_chargers(tx, location):
    other = location.chargepoints.create(chargepoint_id="OTHER-CP")
    assert BY_KEY.get(other.pk, tx.pk) is None
    assert BY_CHARGER_ID.get(tx.chargepoint_id, "TX-2") is None


def test_a_key_no_column_can_hold_finds_nothing_as_with_the_orm(tx):
    # A charger may send any number as a transaction id; SQLite's driver
    # would raise on one past 64 bits.
    assert BY_KEY.get(tx.chargepoint_id, 2**63) is None
    assert BY_KEY.get(tx.chargepoint_id, -(2**63) - 1) is None
    assert not Transaction.objects.filter(pk=2**63).exists()


def test_a_partial_read_defers_the_other_columns(tx):
    read = KEY_ONLY.get(tx.pk)
    assert read.wh_meter_last == 1250.25
    assert read.get_deferred_fields() >= {"charging_states", "uuid"}
    # A deferred column is still there when asked for, as with QuerySet.only().
    assert read.wh_meter_start == 1000.5


def test_a_key_compared_ignoring_case_finds_the_tag_however_a_reader_spells_it(driver):
    IdTag.objects.create(idToken="Card-Ab9", user=driver)
    IdTag.objects.create(idToken="OTHER")
    by_token = RowReader(IdTag, ["idToken"], ignore_case=["idToken"])

    assert by_token.get("card-ab9").idToken == "Card-Ab9"
    assert by_token.get("CARD-AB9").user_id == driver.pk
    assert by_token.get("card-a") is None


def test_all_reads_every_matching_row_and_null_keys_must_be_null(tx, connector):
    later = Transaction.objects.create(
        chargepoint=tx.chargepoint, charger_transaction_id="TX-2", start_transaction_timestamp=T0
    )
    Transaction.objects.create(
        chargepoint=tx.chargepoint,
        connector=connector,
        charger_transaction_id="TX-3",
        start_transaction_timestamp=T0,
    )
    started_at = RowReader(Transaction, ["chargepoint", "start_transaction_timestamp"])
    without_connector = RowReader(Transaction, ["chargepoint"], null=["connector"])

    assert sorted(row.charger_transaction_id for row in started_at.all(tx.chargepoint_id, T0)) == [
        "TX-1",
        "TX-2",
        "TX-3",
    ]
    assert len(started_at.all(tx.chargepoint_id, T0, limit=2)) == 2
    assert [row.pk for row in without_connector.all(tx.chargepoint_id)] == [later.pk]
    assert started_at.all("NO-SUCH-CP", T0) == []


def test_one_inserted_row_gets_its_key_and_saves_as_an_orm_row(chargepoint, connector):
    tx = row_insert(
        Transaction(chargepoint=chargepoint, connector=connector, start_transaction_timestamp=T0)
    )
    pricing = row_insert(TransactionPricing(transaction=tx, total_cost=Decimal("1.50")))

    assert tx.pk is not None and not tx._state.adding
    assert _as_orm_reads_it(Transaction.objects.get(pk=tx.pk)) == _as_orm_reads_it(tx)
    # A later save() updates the row instead of inserting a second one.
    tx.id_token = "LATER"
    tx.save()
    assert Transaction.objects.get(pk=tx.pk).id_token == "LATER"
    assert Transaction.objects.count() == 1
    # A key that is another row's (a one-to-one) is written as given.
    assert TransactionPricing.objects.get(pk=tx.pk).total_cost == pricing.total_cost


def test_keys_present_names_the_keys_that_have_a_row(tx, connector):
    assert keys_present(ChargePoint, {tx.chargepoint_id, "GONE"}) == {tx.chargepoint_id}
    # A UUID key comes back as a UUID, as the ORM gives it.
    assert keys_present(Connector, [connector.pk, uuid.uuid4()]) == {connector.pk}
    assert keys_present(ChargePoint, []) == set()


def test_decimals_are_read_as_decimals(tx):
    TransactionPricing.objects.create(transaction=tx, total_cost=Decimal("12.3456"))
    assert PRICING.get(tx.pk).total_cost == Decimal("12.3456")
    assert PRICING.get(tx.pk + 1000) is None


def test_inserted_rows_read_back_as_the_orm_would_have_stored_them(tx, chargepoint):
    inserted = rows_insert(
        [
            SampledValue(
                chargepoint=chargepoint,
                transaction=tx,
                connector=tx.connector,
                timestamp=T0,
                value="7.2",
                numeric_value=7200.0,
                measurand="Power.Active.Import",
                unit="W",
                signed_meter_value={"signedMeterData": "abc"},
            ),
            SampledValue(chargepoint=chargepoint, timestamp=T0, value="230", measurand="Voltage"),
        ]
    )
    assert inserted == 2
    power, voltage = SampledValue.objects.order_by("measurand")
    assert (power.timestamp, power.numeric_value, power.transaction_id) == (T0, 7200.0, tx.pk)
    assert power.signed_meter_value == {"signedMeterData": "abc"}
    assert (voltage.transaction_id, voltage.connector_id, voltage.value) == (None, None, "230")


def test_inserted_log_rows_keep_their_json_and_defaults(chargepoint):
    rows_insert(
        [
            OCPPMessage(
                chargepoint=chargepoint,
                direction="in",
                message_type=2,
                message_id="m1",
                action="MeterValues",
                payload={"connectorId": 1, "meterValue": [{"sampledValue": [{"value": "1"}]}]},
            )
        ]
    )
    stored = OCPPMessage.objects.get()
    assert stored.payload == {"connectorId": 1, "meterValue": [{"sampledValue": [{"value": "1"}]}]}
    # timestamp has a default: set when the row was made, as save() would.
    assert stored.timestamp is not None
    assert rows_insert([]) == 0


def test_an_update_writes_only_the_fields_named_and_moves_updated_at(tx):
    before = Transaction.objects.get(pk=tx.pk).updated_at
    stale = Transaction.objects.get(pk=tx.pk)
    stale.wh_meter_last = 2000.0
    stale.review_note = "not to be written"
    assert row_update(stale, ["wh_meter_last"]) == 1
    stored = Transaction.objects.get(pk=tx.pk)
    assert stored.wh_meter_last == 2000.0
    assert stored.review_note == ""
    assert stored.updated_at > before


def test_an_update_of_a_row_gone_changes_nothing(tx):
    gone = Transaction.objects.get(pk=tx.pk)
    gone.pk = tx.pk + 1000
    assert row_update(gone, ["wh_meter_last"]) == 0


def test_values_of_another_type_are_coerced_as_the_orm_would(tx, chargepoint):
    rows_insert(
        [
            SampledValue(
                chargepoint=chargepoint,
                transaction_id=str(tx.pk),
                timestamp=T0,
                value=1250,
                numeric_value=Decimal("1.5"),
                measurand="Energy.Active.Import.Register",
                unit_multiplier="3",
            )
        ]
    )
    stored = SampledValue.objects.get()
    assert (stored.value, stored.numeric_value, stored.unit_multiplier) == ("1250", 1.5, 3)
    assert stored.transaction_id == tx.pk

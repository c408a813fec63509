"""Issue 17: the Transaction and CDR lists export what they show to CSV and Excel.

Exporting needs the model's view permission; nothing is ever imported into
either list (transactions come from chargers, CDRs from the cost engine).
"""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from accounts.services import user_create
from billing.models import CDR
from billing.services.cdrs import cdr_reissue
from billing.services.exports import COLUMNS
from chargepoints.enums import TransactionStatus
from chargepoints.models import ChargePoint, Connector, Transaction
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.billing.test_billing_flow import make_tariff, priced_chargers  # noqa: F401
from tests.billing.test_export_cdrs import cdr
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.test_parity import TAG, session_16
from tests.rights import SUPPORT, user_in_group

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"  # their places in the export form's format list
TRANSACTIONS, CDRS = "chargepoints_transaction", "billing_cdr"
TRANSACTION_HEADER = [
    "transaction_id",
    "charger_transaction_id",
    "chargepoint_id",
    "connector_id",
    "id_tag",
    "phone_number",
    "status",
    "start_time",
    "stop_time",
    "meter_start_wh",
    "meter_stop_wh",
    "energy_kwh",
    "stop_reason",
    "needs_review",
    "total_cost_excl_vat",
    "total_cost_incl_vat",
    "currency",
    "cdr_id",
]


@pytest.fixture
def support(client):
    """Staff of the Support group: they view (and so export) everything, change nothing."""
    client.force_login(user_in_group(SUPPORT, username="support", is_staff=True))
    return client


def staff_with(client, *codenames: str):
    user = user_create(username="clerk", password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def export(client, model: str, form: str = CSV_FORMAT, query: str = ""):
    """Click Export on the list (with its ``query``), pick ``form``, submit."""
    url = reverse(f"admin:{model}_export") + query
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"format": form, "resource": "0"})


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert ".xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def charged(priced_chargers) -> Transaction:  # noqa: F811
    """A priced, finished 1.6 session on BILL-16 (7 kWh: 3.10 EUR, 3.689 incl. VAT), and a
    running transaction nobody identified on BILL-201."""
    session_16(Wire(ChargePoint16, "BILL-16"))
    other = ChargePoint.objects.get(chargepoint_id="BILL-201")
    Transaction.objects.create(
        chargepoint=other,
        connector=Connector.objects.get(chargepoint=other),
        transaction_status=TransactionStatus.ACTIVE,
        start_transaction_timestamp=datetime.datetime(2026, 11, 22, 8, 0, tzinfo=datetime.UTC),
        wh_meter_start=500,
    )
    return Transaction.objects.get(chargepoint_id="BILL-16")


def test_the_transaction_list_exports_csv_with_its_price(support, charged, settings):
    settings.TIME_ZONE = "Asia/Bangkok"
    bill = CDR.objects.get(transaction=charged)

    rows = csv_rows(export(support, TRANSACTIONS))

    assert list(rows[0]) == TRANSACTION_HEADER
    by_charger = {row["chargepoint_id"]: row for row in rows}
    assert by_charger["BILL-16"] == {
        "transaction_id": str(charged.pk),
        "charger_transaction_id": "",
        "chargepoint_id": "BILL-16",
        "connector_id": "1",
        "id_tag": TAG,
        "phone_number": "+66812345678",
        "status": "COMPLETED",
        # 10:00 and 11:00 UTC, in the server's time zone with its offset.
        "start_time": "2026-11-21T17:00:00+07:00",
        "stop_time": "2026-11-21T18:00:00+07:00",
        "meter_start_wh": "10000.0",
        "meter_stop_wh": "17000.0",
        "energy_kwh": "7.0",
        "stop_reason": "EVDisconnected",
        "needs_review": "False",
        "total_cost_excl_vat": "3.1",
        "total_cost_incl_vat": "3.689",
        "currency": "EUR",
        "cdr_id": bill.id,
    }
    running = by_charger["BILL-201"]
    assert (running["status"], running["start_time"], running["stop_time"]) == (
        "ACTIVE",
        "2026-11-22T15:00:00+07:00",
        "",
    )
    assert (running["phone_number"], running["total_cost_incl_vat"], running["cdr_id"]) == (
        "",
        "",
        "",
    )


@pytest.mark.parametrize(
    ("codenames", "priced"),
    [(["view_transaction"], False), (["view_transaction", "view_transactionpricing"], True)],
)
def test_prices_are_listed_and_exported_only_with_the_billing_right(
    client, charged, codenames, priced
):
    # Like the dashboard's revenue figure: a transaction's price is billing's.
    clerk = staff_with(client, *codenames)

    rows = csv_rows(export(clerk, TRANSACTIONS))
    page = clerk.get(reverse(f"admin:{TRANSACTIONS}_changelist")).content.decode()

    header = TRANSACTION_HEADER if priced else TRANSACTION_HEADER[:14]
    assert list(rows[0]) == header
    by_charger = {row["chargepoint_id"]: row for row in rows}
    assert by_charger["BILL-16"]["energy_kwh"] == "7.0"
    assert ("3.689" in str(by_charger["BILL-16"])) is priced
    assert ("column-pricing__total_cost" in page) is priced


def test_the_transaction_export_follows_the_lists_search_and_filters(support, charged):
    searched = csv_rows(export(support, TRANSACTIONS, query="?q=BILL-201"))
    filtered = csv_rows(export(support, TRANSACTIONS, query="?transaction_status__exact=COMPLETED"))

    assert [row["chargepoint_id"] for row in searched] == ["BILL-201"]
    assert [row["transaction_id"] for row in filtered] == [str(charged.pk)]


def test_the_list_links_its_export_with_the_lists_filters(support, charged):
    page = support.get(reverse(f"admin:{TRANSACTIONS}_changelist") + "?q=BILL-16").content.decode()

    assert f'href="{reverse(f"admin:{TRANSACTIONS}_export")}?q=BILL-16"' in page


def test_a_repriced_transaction_exports_its_net_cost_and_the_cdr_in_force(
    support,
    charged,
    priced_chargers,  # noqa: F811
):
    original = CDR.objects.get(transaction=charged)
    cheaper = make_tariff("T-CHEAP", energy="0.10", flat="0.00", vat=0.0)
    _, replacement = cdr_reissue(cdr=original, tariff=cheaper)

    (row,) = csv_rows(export(support, TRANSACTIONS, query="?q=BILL-16"))

    # 3.10 billed, 3.10 credited, 0.70 billed again.
    assert (row["total_cost_excl_vat"], row["total_cost_incl_vat"]) == ("0.7", "0.7")
    assert row["cdr_id"] == replacement.id


def test_the_transaction_list_exports_excel_with_times_as_iso_text(support, charged, settings):
    settings.TIME_ZONE = "Europe/Berlin"

    header, *rows = xlsx_rows(export(support, TRANSACTIONS, XLSX_FORMAT))

    assert list(header) == TRANSACTION_HEADER
    by_charger = {values[2]: dict(zip(header, values, strict=True)) for values in rows}
    assert by_charger["BILL-201"]["start_time"] == "2026-11-22T09:00:00+01:00"
    assert by_charger["BILL-201"]["stop_time"] in ("", None)  # an empty cell
    row = by_charger["BILL-16"]
    assert row["start_time"] == "2026-11-21T11:00:00+01:00"
    assert row["stop_time"] == "2026-11-21T12:00:00+01:00"
    assert (row["chargepoint_id"], row["id_tag"], row["phone_number"]) == (
        "BILL-16",
        TAG,
        "+66812345678",
    )
    assert (row["energy_kwh"], row["total_cost_incl_vat"], row["currency"]) == (7, 3.689, "EUR")


@pytest.fixture
def cdrs(settings):
    settings.TIME_ZONE = "UTC"
    cdr("NOV-1", "2026-11-01T09:00:00+00:00")
    cdr("NOV-2", "2026-11-20T18:30:00+00:00", meter_id="M-7")
    cdr(
        "NOV-1-C",
        "2026-11-21T10:00:00+00:00",
        incl_vat=-11.9,
        credit=True,
        credit_reference_id="NOV-1",
    )


def command_rows() -> list[dict[str, str]]:
    out = io.StringIO()
    call_command(
        "export_cdrs",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        stdout=out,
        stderr=io.StringIO(),
    )
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_the_cdr_list_exports_the_accounting_files_rows(support, cdrs):
    rows = csv_rows(export(support, CDRS))

    assert list(rows[0]) == COLUMNS
    # The same file as manage.py export_cdrs, column for column (the list is newest first).
    assert sorted(rows, key=lambda row: row["id"]) == sorted(
        command_rows(), key=lambda row: row["id"]
    )
    credit = next(row for row in rows if row["id"] == "NOV-1-C")
    assert (credit["end_date_time"], credit["total_cost_incl_vat"], credit["credit"]) == (
        "2026-11-21T10:00:00Z",
        "-11.9",
        "True",
    )
    assert (credit["credit_reference_id"], credit["token_uid"], credit["evse_id"]) == (
        "NOV-1",
        "CARD-1",
        "DE*CSM*E1",
    )


def test_the_cdr_export_follows_the_lists_filters_and_search(support, cdrs):
    credits = csv_rows(export(support, CDRS, query="?credit__exact=1"))
    searched = csv_rows(export(support, CDRS, query="?q=NOV-2"))

    assert [row["id"] for row in credits] == ["NOV-1-C"]
    assert [row["id"] for row in searched] == ["NOV-2"]


def test_the_cdr_list_exports_excel(support, cdrs):
    header, *rows = xlsx_rows(export(support, CDRS, XLSX_FORMAT, "?q=NOV-2"))

    assert list(header) == COLUMNS
    (row,) = [dict(zip(header, values, strict=True)) for values in rows]
    assert (row["id"], row["meter_id"], row["start_date_time"], row["end_date_time"]) == (
        "NOV-2",
        "M-7",
        "2026-11-20T16:30:00Z",
        "2026-11-20T18:30:00Z",
    )
    assert (row["total_energy_kwh"], row["total_cost_incl_vat"], row["credit"]) == (20, 11.9, False)


@pytest.mark.parametrize(
    ("model", "change_only"), [(TRANSACTIONS, "change_transaction"), (CDRS, "change_cdr")]
)
def test_staff_without_the_view_permission_get_no_export(client, charged, cdrs, model, change_only):
    # The change right shows the list, but exporting is the view right's.
    clerk = staff_with(client, change_only)
    export_url = reverse(f"admin:{model}_export")

    page = clerk.get(reverse(f"admin:{model}_changelist"))

    assert page.status_code == 200
    assert export_url not in page.content.decode()
    assert clerk.get(export_url).status_code == 403
    assert clerk.post(export_url, {"format": CSV_FORMAT, "resource": "0"}).status_code == 403


@pytest.mark.parametrize("model", [TRANSACTIONS, CDRS])
def test_staff_with_no_rights_and_non_staff_get_no_export(client, charged, cdrs, model):
    export_url = reverse(f"admin:{model}_export")

    assert staff_with(client).post(export_url, {"format": CSV_FORMAT}).status_code == 403
    client.force_login(user_create(username="driver2", password="x"))
    response = client.post(export_url, {"format": CSV_FORMAT})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", [TRANSACTIONS, CDRS])
def test_neither_list_offers_an_import(support, model):
    page = support.get(reverse(f"admin:{model}_changelist")).content.decode()

    assert reverse(f"admin:{model}_export") in page
    assert "import_link" not in page and "/import/" not in page
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:{model}_import")


@pytest.mark.parametrize("model", [TRANSACTIONS, CDRS])
def test_only_csv_and_excel_are_offered(support, model):
    form = support.get(reverse(f"admin:{model}_export")).context["form"]

    assert [label for _, label in form.fields["format"].choices] == ["---", "csv", "xlsx"]

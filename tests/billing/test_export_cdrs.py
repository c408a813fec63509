"""Issue 17: ``manage.py export_cdrs --from --to --format csv|json`` for accounting."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import CDR
from billing.services.exports import COLUMNS

pytestmark = pytest.mark.django_db


def cdr(cdr_id: str, ended: str, *, incl_vat: float = 11.9, **fields) -> CDR:
    end = datetime.datetime.fromisoformat(ended)
    return CDR.objects.create(
        id=cdr_id,
        country_code="DE",
        party_id="CSM",
        start_date_time=end - datetime.timedelta(hours=2),
        end_date_time=end,
        session_id="42",
        cdr_token={"uid": "CARD-1", "type": "RFID", "contract_id": "DE-CSM-C1"},
        auth_method="WHITELIST",
        cdr_location={
            "id": "LOC-1",
            "evse_uid": "CP-1*1",
            "evse_id": "DE*CSM*E1",
            "connector_id": "1",
        },
        currency="EUR",
        total_cost={"excl_vat": round(incl_vat / 1.19, 2), "incl_vat": incl_vat},
        total_energy=20.0,
        total_time=2.0,
        **fields,
    )


def export(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_cdrs", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def month(settings):
    settings.TIME_ZONE = "UTC"
    cdr("IN-FIRST-DAY", "2026-11-01T00:00:00+00:00")
    cdr("IN-LAST-DAY", "2026-11-30T23:59:59+00:00")
    cdr(
        "CREDIT",
        "2026-11-15T10:00:00+00:00",
        incl_vat=-11.9,
        credit=True,
        credit_reference_id="IN-FIRST-DAY",
    )
    cdr("BEFORE", "2026-10-31T23:59:59+00:00")
    cdr("AFTER", "2026-12-01T00:00:00+00:00")


def test_csv_has_one_row_per_cdr_of_the_period_credits_included(month):
    out, err = export("--from", "2026-11-01", "--to", "2026-11-30")

    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in rows] == ["IN-FIRST-DAY", "CREDIT", "IN-LAST-DAY"]
    credit = rows[1]
    assert (credit["total_cost_incl_vat"], credit["credit"], credit["credit_reference_id"]) == (
        "-11.9",
        "True",
        "IN-FIRST-DAY",
    )
    assert rows[0]["end_date_time"] == "2026-11-01T00:00:00Z"
    assert (rows[0]["token_uid"], rows[0]["evse_id"], rows[0]["total_energy_kwh"]) == (
        "CARD-1",
        "DE*CSM*E1",
        "20.0",
    )
    assert "3 CDRs exported" in err


def test_json_holds_the_same_rows(month):
    out, _ = export("--from", "2026-11-01", "--to", "2026-11-30", "--format", "json")

    rows = json.loads(out)
    assert [row["id"] for row in rows] == ["IN-FIRST-DAY", "CREDIT", "IN-LAST-DAY"]
    assert rows[1]["total_cost_incl_vat"] == -11.9
    assert rows[1]["credit"] is True


def test_days_are_counted_in_the_servers_time_zone(settings):
    settings.TIME_ZONE = "Asia/Bangkok"
    # 1 November 00:30 in Bangkok is still 31 October in UTC.
    cdr("EARLY-BANGKOK", "2026-10-31T17:30:00+00:00")

    out, _ = export("--from", "2026-11-01", "--to", "2026-11-01")

    assert [row["id"] for row in csv.DictReader(io.StringIO(out))] == ["EARLY-BANGKOK"]


def test_an_empty_period_is_a_header_or_an_empty_list(db):
    csv_out, _ = export("--from", "2026-01-01", "--to", "2026-01-31")
    json_out, _ = export("--from", "2026-01-01", "--to", "2026-01-31", "--format", "json")

    assert csv_out.splitlines() == [",".join(COLUMNS)]
    assert json.loads(json_out) == []


def test_it_writes_to_a_file(month, tmp_path):
    target = tmp_path / "november.csv"

    out, _ = export("--from", "2026-11-01", "--to", "2026-11-30", "--output", str(target))

    assert out == ""
    assert len(list(csv.DictReader(target.open()))) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2026-11-31", "--to", "2026-12-01"], "is not a date"),
        (["--from", "yesterday", "--to", "2026-12-01"], "is not a date"),
        (["--from", "2026-12-01", "--to", "2026-11-01"], "is before --from"),
    ],
)
def test_bad_dates_are_refused(db, args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)

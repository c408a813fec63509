"""``manage.py import_tariffs`` and the services under it (billing.services.tariffs)."""

import copy
import datetime
import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import Tariff, TariffElement
from billing.services.tariffs import TariffInvalid, tariff_upsert, tariffs_import
from tests.server import database_copy, manage, project_env, sqlite_rows

EXAMPLES = Path(__file__).parent / "ocpi_examples"
VALID_EXAMPLES = sorted(EXAMPLES.glob("*.json"))


def tariff(tariff_id="T1", **changes) -> dict:
    data = {
        "country_code": "DE",
        "party_id": "ALL",
        "id": tariff_id,
        "currency": "EUR",
        "elements": [
            {
                "price_components": [{"type": "FLAT", "price": 0.5, "vat": 20.0, "step_size": 1}],
                "restrictions": {"start_time": "08:00", "end_time": "20:00"},
            },
            {"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]},
        ],
        "last_updated": "2024-01-01T12:00:00Z",
    }
    data.update(changes)
    return data


def write(tmp_path, name: str, document) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_tariffs", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> tuple[str, str]:
    """The CommandError's message and what was written to stderr before it."""
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_tariffs", *args, stdout=io.StringIO(), stderr=err)
    return str(raised.value), err.getvalue()


def last_example_per_id(paths) -> dict[str, dict]:
    """Examples share ids; importing them in order leaves the last one of each id."""
    return {data["id"]: data for data in (json.loads(p.read_text()) for p in paths)}


# --- the spec examples -------------------------------------------------------


def test_a_real_manage_py_run_imports_all_valid_spec_examples_at_once(
    tmp_path, demo_database_template
):
    database = database_copy(demo_database_template, tmp_path)
    env = project_env(SQLITE_PATH=str(database))

    result = manage("import_tariffs", *map(str, VALID_EXAMPLES), env=env)

    assert result.returncode == 0, result.stderr
    expected = last_example_per_id(VALID_EXAMPLES)
    created, updated = len(expected), len(VALID_EXAMPLES) - len(expected)
    assert result.stdout.strip() == (
        f"Imported {len(VALID_EXAMPLES)} tariffs: {created} created, {updated} updated"
    )
    rows = sqlite_rows(
        database,
        "SELECT id, country_code, party_id, currency FROM billing_tariff WHERE party_id = 'ALL'",
    )
    assert sorted(rows) == sorted((i, "DE", "ALL", "EUR") for i in expected)
    for tariff_id, data in expected.items():
        elements = sqlite_rows(
            database,
            "SELECT position, price_components, restrictions FROM billing_tariffelement "
            "WHERE tariff_id = ? ORDER BY position",
            tariff_id,
        )
        assert [(p, json.loads(c), json.loads(r) if r else None) for p, c, r in elements] == [
            (position, element["price_components"], element.get("restrictions"))
            for position, element in enumerate(data["elements"])
        ]


def test_the_complex_spec_example_keeps_its_elements_in_order(db):
    run(str(EXAMPLES / "tariff_4_complex.json"))

    stored = Tariff.objects.get(id="14")
    assert stored.type == "REGULAR"
    assert stored.tariff_alt_url == "https://company.com/tariffs/14"
    assert [e.restrictions for e in stored.elements.all()] == [
        None,
        {"max_current": 32.00},
        {
            "min_current": 32.00,
            "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        },
        {"min_current": 32.00, "day_of_week": ["SATURDAY", "SUNDAY"]},
        {
            "start_time": "09:00",
            "end_time": "18:00",
            "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        },
        {"start_time": "10:00", "end_time": "17:00", "day_of_week": ["SATURDAY"]},
    ]


# --- what gets stored --------------------------------------------------------


def test_it_stores_every_field(db, tmp_path):
    data = tariff(
        currency="eur",
        type="PROFILE_CHEAP",
        tariff_alt_text=[{"language": "en", "text": "Cheap at night", "style": "bold"}],
        tariff_alt_url="https://example.com/t1",
        min_price={"excl_vat": 1, "incl_vat": 1.2},
        max_price={"excl_vat": 20},
        start_date_time="2024-01-01T00:00:00Z",
        end_date_time="2024-12-31T23:00:00.5",
        energy_mix={
            "is_green_energy": True,
            "energy_sources": [{"source": "WIND", "percentage": 100}],
        },
        publish_allowed_to=[{"uid": "X"}],
    )
    data["elements"][1]["price_components"][0]["note"] = "ignored"

    out, _ = run(write(tmp_path, "t.json", data))

    assert out == "Imported 1 tariff: 1 created, 0 updated\n"
    stored = Tariff.objects.get(id="T1")
    assert stored.currency == "EUR"
    assert stored.type == "PROFILE_CHEAP"
    assert stored.tariff_alt_text == [{"language": "en", "text": "Cheap at night"}]
    assert stored.tariff_alt_url == "https://example.com/t1"
    assert stored.min_price == {"excl_vat": 1, "incl_vat": 1.2}
    assert stored.max_price == {"excl_vat": 20}
    assert stored.start_date_time == datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    assert stored.end_date_time == datetime.datetime(
        2024, 12, 31, 23, 0, 0, 500000, tzinfo=datetime.UTC
    )
    assert stored.energy_mix == {
        "is_green_energy": True,
        "energy_sources": [{"source": "WIND", "percentage": 100}],
    }
    assert [(e.position, e.price_components, e.restrictions) for e in stored.elements.all()] == [
        (
            0,
            [{"type": "FLAT", "price": 0.5, "vat": 20.0, "step_size": 1}],
            {"start_time": "08:00", "end_time": "20:00"},
        ),
        (1, [{"type": "ENERGY", "price": 0.25, "step_size": 1}], None),
    ]


def test_a_tariff_without_type_is_stored_without_one(db):
    # tariffs §11.3.1: "When omitted, this tariff is valid for all sessions" - not REGULAR.
    stored, created = tariff_upsert(data=tariff())
    assert created
    assert stored.type == ""


def test_reimporting_updates_instead_of_duplicating(db, tmp_path):
    path = write(tmp_path, "t.json", [tariff("T1"), tariff("T2")])
    run(path)

    out, _ = run(path)

    assert out == "Imported 2 tariffs: 0 created, 2 updated\n"
    assert Tariff.objects.count() == 2
    assert TariffElement.objects.count() == 4


def test_an_update_replaces_the_elements_and_fields(db, tmp_path):
    run(write(tmp_path, "v1.json", tariff()))
    changed = tariff(
        currency="CHF",
        elements=[{"price_components": [{"type": "TIME", "price": 3, "step_size": 60}]}],
    )

    out, _ = run(write(tmp_path, "v2.json", changed))

    assert out == "Imported 1 tariff: 0 created, 1 updated\n"
    stored = Tariff.objects.get(id="T1")
    assert stored.currency == "CHF"
    assert [(e.position, e.price_components, e.restrictions) for e in stored.elements.all()] == [
        (0, [{"type": "TIME", "price": 3, "step_size": 60}], None)
    ]


def test_identity_is_case_insensitive(db):
    # types §16.1: country_code, party_id and id are CiStrings.
    tariff_upsert(data=tariff("T1"))

    _, created = tariff_upsert(data=tariff("t1", country_code="de", party_id="all"))

    assert not created
    assert list(Tariff.objects.values_list("id", "country_code", "party_id")) == [
        ("T1", "DE", "ALL")
    ]


def test_the_upsert_service_refuses_an_invalid_tariff(db):
    with pytest.raises(TariffInvalid) as raised:
        tariff_upsert(data=tariff(currency="EURO", elements=[]))
    assert raised.value.errors == [
        ("currency", "must be a 3-letter ISO 4217 currency code"),
        ("elements", "must not be empty"),
    ]
    assert not Tariff.objects.exists()


def test_a_url_of_255_characters_is_stored_whole(db):
    url = "https://example.com/" + "a" * 235  # OCPI's string(255), types §16.8
    stored, _ = tariff_upsert(data=tariff(tariff_alt_url=url))
    assert Tariff.objects.get(pk=stored.pk).tariff_alt_url == url


# --- all or nothing ----------------------------------------------------------


def test_dry_run_writes_nothing_and_says_what_it_would_do(db, tmp_path):
    tariff_upsert(data=tariff("T1"))
    before = list(TariffElement.objects.values_list("pk", flat=True))
    path = write(tmp_path, "t.json", [tariff("T1", currency="USD"), tariff("T2"), tariff("T3")])

    out, _ = run(path, "--dry-run")

    assert out == "Dry run: would create 2, would update 1 of 3 tariffs; nothing written\n"
    assert list(Tariff.objects.values_list("id", "currency")) == [("T1", "EUR")]
    assert list(TariffElement.objects.values_list("pk", flat=True)) == before


def test_dry_run_of_an_invalid_file_fails_like_the_real_run(db, tmp_path):
    path = write(tmp_path, "t.json", [tariff(), {"id": "X"}])
    message, _ = fails(path, "--dry-run")
    assert message == "1 of 2 tariffs are invalid; nothing imported"


def test_one_invalid_tariff_among_valid_ones_imports_nothing(db, tmp_path):
    bad = tariff("T2")
    bad["elements"][1]["price_components"][0]["step_size"] = -1
    bad["elements"][0]["restrictions"]["end_time"] = "25:00"
    path = write(tmp_path, "t.json", [tariff("T1"), bad, tariff("T3"), [], tariff("T5")])

    message, err = fails(path)

    assert message == "2 of 5 tariffs are invalid; nothing imported"
    assert err.splitlines() == [
        f"{path}[1] elements[0].restrictions.end_time: "
        "must be a time of day as HH:MM (00:00 to 23:59)",
        f"{path}[1] elements[1].price_components[0].step_size: must not be negative",
        f"{path}[3]: must be an object",
    ]
    assert not Tariff.objects.exists()


def test_an_id_that_belongs_to_another_party_is_an_error(db, tmp_path):
    tariff_upsert(data=tariff("12", country_code="NL", party_id="TNM"))
    path = write(tmp_path, "t.json", [tariff("T1"), tariff("12")])

    message, err = fails(path)

    assert message == "1 of 2 tariffs are invalid; nothing imported"
    assert err == f"{path}[1] id: belongs to a tariff of NL*TNM\n"
    assert list(Tariff.objects.values_list("id", "party_id")) == [("12", "TNM")]


def test_two_parties_may_not_share_an_id_within_one_import(db, tmp_path):
    path = write(
        tmp_path, "t.json", [tariff("12"), tariff("12", party_id="TNM", country_code="NL")]
    )

    _, err = fails(path)

    assert err == f"{path}[1] id: belongs to a tariff of DE*ALL earlier in this import\n"


def test_the_same_tariff_twice_in_one_file_is_an_error(db, tmp_path):
    path = write(tmp_path, "t.json", [tariff("T1"), tariff("T2"), tariff("t1", currency="USD")])

    message, err = fails(path)

    assert message == "1 of 3 tariffs are invalid; nothing imported"
    assert err == f"{path}[2] id: repeats the tariff at index 0 of the same file\n"


def test_the_same_tariff_in_a_later_file_updates_it(db, tmp_path):
    first = write(tmp_path, "a.json", [tariff("T1"), tariff("T2")])
    second = write(tmp_path, "b.json", [tariff("T2", currency="USD")])

    out, _ = run(first, second)

    assert out == "Imported 3 tariffs: 2 created, 1 updated\n"
    assert Tariff.objects.get(id="T2").currency == "USD"


def test_error_indexes_count_within_each_file(db, tmp_path):
    first = write(tmp_path, "a.json", [tariff("T1"), tariff("T2")])
    second = write(tmp_path, "b.json", [tariff("T3"), tariff("T4", currency="E")])

    _, err = fails(first, second)

    assert err == f"{second}[1] currency: must be a 3-letter ISO 4217 currency code\n"


def test_the_service_reports_errors_by_index_without_writing(db):
    report = tariffs_import(objects=[tariff("T1"), tariff("T2", party_id=None)], dry_run=False)
    assert report.errors == [(1, "party_id", "is required")]
    assert report.created == report.updated == []
    assert not Tariff.objects.exists()


# --- what a file may hold ----------------------------------------------------


def test_it_reads_standard_input(db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps([tariff("T1"), tariff("T2")])))

    out, _ = run("-")

    assert out == "Imported 2 tariffs: 2 created, 0 updated\n"


def test_errors_in_standard_input_name_it(db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(tariff(id="a/b"))))
    _, err = fails("-")
    assert err == "<stdin>[0] id: must be 1 to 36 printable ASCII characters other than /\n"


def test_it_reads_an_ocpi_response_envelope(db, tmp_path):
    # transport_and_format §4.1.7: what a partner's GET /tariffs returns.
    envelope = {
        "data": [tariff("T1"), tariff("T2")],
        "status_code": 1000,
        "status_message": "Success",
        "timestamp": "2024-01-01T12:00:00Z",
    }
    out, _ = run(write(tmp_path, "response.json", envelope))
    assert out == "Imported 2 tariffs: 2 created, 0 updated\n"

    single = {"data": tariff("T1"), "status_code": 1000, "timestamp": "2024-01-01T12:00:00Z"}
    out, _ = run(write(tmp_path, "one.json", single))
    assert out == "Imported 1 tariff: 0 created, 1 updated\n"


def test_an_ocpi_error_response_is_refused(db, tmp_path):
    error = {
        "status_code": 2001,
        "status_message": "Missing field",
        "timestamp": "2024-01-01T12:00:00Z",
    }
    path = write(tmp_path, "error.json", error)

    message, _ = fails(path)

    assert (
        message == f"{path}: an OCPI error response (status_code 2001: Missing field), not tariffs"
    )


def test_malformed_json_is_reported_with_line_and_column(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"id": "T1",\n   "currency" "EUR"}\n]\n')

    message, _ = fails(str(path))

    assert message == (f"{path}: invalid JSON at line 3 column 15: Expecting ':' delimiter")


def test_a_missing_file_is_reported(db, tmp_path):
    path = tmp_path / "missing.json"
    message, _ = fails(str(path))
    assert message == f"{path}: cannot read the file: No such file or directory"


def test_a_file_that_is_not_utf8_is_reported(db, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"text": "café"}'.encode("latin-1"))
    message, _ = fails(str(path))
    assert message == f"{path}: not UTF-8 text (invalid continuation byte)"


@pytest.mark.parametrize(
    ("document", "kind"), [("tariffs", "a string"), (42, "a number"), (None, "null")]
)
def test_a_file_must_hold_an_object_or_a_list(db, tmp_path, document, kind):
    path = write(tmp_path, "odd.json", document)
    message, _ = fails(path)
    assert message == (
        f"{path}: expected a Tariff object, a list of them, or an OCPI response, not {kind}"
    )


def test_an_empty_list_imports_nothing(db, tmp_path):
    out, _ = run(write(tmp_path, "empty.json", []))
    assert out == "Imported 0 tariffs: 0 created, 0 updated\n"


def test_a_byte_order_mark_is_tolerated(db, tmp_path):
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(tariff()), encoding="utf-8-sig")
    out, _ = run(str(path))
    assert out == "Imported 1 tariff: 1 created, 0 updated\n"


def test_the_input_objects_are_not_changed(db):
    data = tariff(currency="eur")
    original = copy.deepcopy(data)
    tariffs_import(objects=[data], dry_run=False)
    assert data == original

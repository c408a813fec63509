"""Imports and exports that hostile text and files cannot turn against operators.

Formulae in exported cells, a control character in an xlsx, another
operator's pending upload, an Excel zip bomb, numbers and dates past what
Python holds, and JSON nested too deeply: each is refused or neutralised
with a message, in the admin and in the commands.
"""

import csv
import datetime
import io
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdTag, User
from accounts.services import user_create
from billing.models import CDR
from chargepoints.models import ChargePoint, Transaction
from chargepoints.resources.stations import ChargePointResource
from csms.imports.cells import cell_escape, cell_unescape
from csms.imports.files import ImportFileError, table_parse, table_read
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.ocpp_gateway.helpers import Wire

pytestmark = pytest.mark.django_db

RUNS = "=1+cmd|'/C calc'!A0"
CHARGER_RIGHTS = ("view_chargepoint", "add_chargepoint", "change_chargepoint")
TAG_RIGHTS = ("view_idtag", "add_idtag", "change_idtag")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Admin uploads wait in MEDIA_ROOT (IMPORT_EXPORT_TMP_STORAGE_CLASS): one of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def staff(username: str, *codenames: str) -> User:
    user = user_create(username=username, password="x")
    user.is_staff = True
    user.save()
    for codename in codenames:
        app, _, code = codename.rpartition(".")
        permissions = Permission.objects.filter(codename=code)
        if app:
            permissions = permissions.filter(content_type__app_label=app)
        user.user_permissions.add(permissions.get())
    return User.objects.get(pk=user.pk)


def export(client, model_url: str, file_format: str):
    form = client.get(reverse(f"admin:{model_url}_export"))
    choices = {str(label): value for value, label in form.context["form"].fields["format"].choices}
    return client.post(reverse(f"admin:{model_url}_export"), {"format": choices[file_format]})


def sheet_cells(content: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def upload(client, model_url: str, content: bytes, name: str):
    form = client.get(reverse(f"admin:{model_url}_import"))
    formats = [
        (choice[0], str(choice[1]))
        for choice in form.context["form"].fields["format"].choices
        if choice[0] != ""
    ]
    index = next(value for value, label in formats if label == name.rsplit(".", 1)[1])
    return client.post(
        reverse(f"admin:{model_url}_import"),
        {"format": index, "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, model_url: str, preview):
    form = preview.context["confirm_form"]
    return client.post(
        reverse(f"admin:{model_url}_process_import"),
        {name: form.initial[name] for name in form.fields},
    )


def run(command: str, path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, str(path), stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"CommandError: {error}")
    return out.getvalue(), err.getvalue()


# --- Formulae in exports -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (RUNS, "'" + RUNS),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  # undone exactly on import
        # Plain numbers (a coordinate, a phone number) run nothing: as they are.
        ("-3.5", "-3.5"),
        ("+66812345678", "+66812345678"),
        ("-33.868800", "-33.868800"),
        ("Gate", "Gate"),
        ("'quoted", "'quoted"),
        ("", ""),
        (-3.5, -3.5),
        (7, 7),
        (True, True),
        (None, None),
    ],
)
def test_text_that_could_run_is_exported_with_a_quote_and_imported_back_as_it_was(value, written):
    assert cell_escape(value) == written
    assert cell_unescape(written) == value


def test_a_vendor_a_charger_reported_is_text_in_the_charge_point_export(client, chargepoint):
    wire = Wire(ChargePoint16, chargepoint.chargepoint_id)
    boot = {"chargePointVendor": RUNS, "chargePointModel": "@SUM(1+1)*cmd"}
    assert wire.call("BootNotification", boot, "b1")[2]["status"] == "Accepted"
    client.force_login(staff("viewer", "view_chargepoint"))

    cells = sheet_cells(export(client, "chargepoints_chargepoint", "xlsx").content)
    text = export(client, "chargepoints_chargepoint", "csv").content.decode()

    assert [cell.value for cell in cells if cell.data_type == "f"] == []
    assert "'" + RUNS in [cell.value for cell in cells]
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["vendor"], row["model"]) == ("'" + RUNS, "'@SUM(1+1)*cmd")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_id_token_a_charger_sent_is_text_in_the_transaction_export(
    client, chargepoint, connector, file_format
):
    Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        id_token="=1+cmd|' /C calc'!A0",
        start_transaction_timestamp=timezone.now(),
        transaction_status="Active",
        wh_meter_start=-5,
    )
    client.force_login(staff("viewer", "view_transaction"))

    content = export(client, "chargepoints_transaction", file_format).content

    if file_format == "csv":
        row = next(csv.DictReader(io.StringIO(content.decode())))
        assert row["id_tag"] == "'=1+cmd|' /C calc'!A0"
        assert row["meter_start_wh"] == "-5.0"
    else:
        cells = sheet_cells(content)
        assert [cell.value for cell in cells if cell.data_type == "f"] == []
        assert "'=1+cmd|' /C calc'!A0" in [cell.value for cell in cells]
        # A negative number stays a number.
        assert -5 in [cell.value for cell in cells]


def cdr_with_token(uid: str) -> CDR:
    end = datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC)
    return CDR.objects.create(
        id="CDR-1",
        country_code="DE",
        party_id="CSM",
        start_date_time=end - datetime.timedelta(hours=1),
        end_date_time=end,
        session_id="-1+1",
        cdr_token={"uid": uid, "type": "RFID", "contract_id": "DE-CSM-C1"},
        auth_method="WHITELIST",
        cdr_location={"id": "LOC-1", "evse_uid": "@E1", "evse_id": "DE*CSM*E1"},
        currency="EUR",
        total_cost={"excl_vat": -10.0, "incl_vat": -11.9},
        total_energy=20.0,
        total_time=1.0,
    )


def test_partner_and_charger_text_is_escaped_in_manage_py_export_cdrs(settings):
    settings.TIME_ZONE = "UTC"
    cdr_with_token(RUNS)
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

    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["token_uid"], row["session_id"], row["evse_uid"]) == ("'" + RUNS, "'-1+1", "'@E1")
    assert row["total_cost_incl_vat"] == "-11.9"


def test_the_json_export_of_cdrs_carries_the_values_as_they_are(settings):
    settings.TIME_ZONE = "UTC"
    cdr_with_token(RUNS)
    out = io.StringIO()

    call_command(
        "export_cdrs",
        *("--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"),
        stdout=out,
        stderr=io.StringIO(),
    )

    assert json.loads(out.getvalue())[0]["token_uid"] == RUNS


def test_the_cdr_list_export_escapes_the_token(client):
    cdr_with_token(RUNS)
    client.force_login(staff("accountant", "view_cdr"))

    text = export(client, "billing_cdr", "csv").content.decode()

    assert next(csv.DictReader(io.StringIO(text)))["token_uid"] == "'" + RUNS


def test_id_tag_and_user_exports_escape_text_and_keep_phone_numbers(client):
    owner = user_create(username="+66812345678", password=None, phone_number="+66812345678")
    owner.first_name = "=HYPERLINK(1)"
    owner.save()
    IdTag.objects.create(idToken="-2+3", user=owner)
    client.force_login(staff("viewer", "view_idtag", "view_user"))

    tags = next(
        csv.DictReader(io.StringIO(export(client, "accounts_idtag", "csv").content.decode()))
    )
    users = export(client, "accounts_user", "csv").content.decode()

    assert (tags["id_token"], tags["phone_number"]) == ("'-2+3", "+66812345678")
    assert "'=HYPERLINK(1)" in users and ",=HYPERLINK" not in users
    assert "'+66812345678" not in users


def test_a_location_export_keeps_negative_coordinates_as_numbers(client, location):
    location.coordinates = {"latitude": "-33.868800", "longitude": "151.209300"}
    location.name = "@Harbour"
    location.save()
    client.force_login(staff("viewer", "view_location"))

    row = next(
        csv.DictReader(io.StringIO(export(client, "chargepoints_location", "csv").content.decode()))
    )

    assert (row["latitude"], row["name"]) == ("-33.868800", "'@Harbour")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_escaped_export_imports_back_unchanged(client, tmp_path, file_format):
    charger = ChargePoint.objects.create(
        chargepoint_id="CP-1",
        name="+Gate",
        chargepoint_vendor=RUNS,
        chargepoint_model="'=quoted",
        connector_count=1,
    )
    charger.connectors.create(connectorid=1)
    client.force_login(staff("viewer", "view_chargepoint"))
    path = tmp_path / f"export.{file_format}"
    path.write_bytes(export(client, "chargepoints_chargepoint", file_format).content)

    out, err = run("import_chargepoints", path)

    assert "1 unchanged" in out, err
    stored = ChargePoint.objects.get(pk="CP-1")
    assert (stored.name, stored.chargepoint_vendor, stored.chargepoint_model) == (
        "+Gate",
        RUNS,
        "'=quoted",
    )


# --- A control character in an xlsx --------------------------------------------------


def test_a_control_character_a_charger_sent_does_not_break_the_charge_point_xlsx(
    client, chargepoint, location
):
    ChargePoint.objects.create(chargepoint_id="CP-OK", location=location)
    wire = Wire(ChargePoint16, chargepoint.chargepoint_id)
    boot = {"chargePointVendor": "Acme\u0007", "chargePointModel": "M"}
    assert wire.call("BootNotification", boot, "b1")[2]["status"] == "Accepted"
    client.force_login(staff("viewer", "view_chargepoint"))

    response = export(client, "chargepoints_chargepoint", "xlsx")

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    values = [cell.value for cell in sheet_cells(response.content)]
    assert "Acme\ufffd" in values and "CP-OK" in values


def test_a_control_character_in_an_id_token_does_not_break_the_transaction_xlsx(
    client, chargepoint, connector
):
    Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        id_token="TAG\u0001",
        start_transaction_timestamp=timezone.now(),
        transaction_status="Active",
    )
    client.force_login(staff("viewer", "view_transaction"))

    response = export(client, "chargepoints_transaction", "xlsx")

    assert "TAG\ufffd" in [cell.value for cell in sheet_cells(response.content)]


# --- The upload between preview and confirmation -----------------------------------


def test_an_upload_waits_in_media_root_and_is_imported_once_by_its_own_session(client, media_root):
    client.force_login(staff("importer", *TAG_RIGHTS))

    preview = upload(client, "accounts_idtag", b"id_token\nAA11\n", "tags.csv")

    name = preview.context["confirm_form"].initial["import_file_name"]
    stored = Path(media_root) / "django-import-export" / name
    assert stored.exists()
    assert confirm(client, "accounts_idtag", preview).status_code == 302
    assert IdTag.objects.filter(idToken="AA11").exists()
    assert not stored.exists()
    # Confirming again: refused, not a crash on a deleted file.
    again = confirm(client, "accounts_idtag", preview)
    assert again.status_code == 302 and again.url.endswith("/import/")


def test_another_operators_pending_upload_cannot_be_imported_or_deleted(client, media_root):
    alice = Client()
    alice.force_login(staff("alice", *TAG_RIGHTS))
    preview = upload(alice, "accounts_idtag", b"id_token\nALICE-1\n", "tags.csv")
    name = preview.context["confirm_form"].initial["import_file_name"]
    client.force_login(staff("mallory", *TAG_RIGHTS))

    response = client.post(
        reverse("admin:accounts_idtag_process_import"),
        {"import_file_name": name, "original_file_name": "x.csv", "format": "0", "resource": ""},
        follow=True,
    )

    assert "not one you previewed here" in response.content.decode()
    assert not IdTag.objects.exists()
    assert (Path(media_root) / "django-import-export" / name).exists()
    # Alice still confirms hers.
    assert confirm(alice, "accounts_idtag", preview).status_code == 302
    assert IdTag.objects.filter(idToken="ALICE-1").exists()


def test_a_file_in_the_servers_temp_folder_is_neither_imported_nor_deleted(client):
    with tempfile.NamedTemporaryFile("w", delete=False, dir=tempfile.gettempdir()) as victim:
        victim.write("id_token\nSTOLEN-1\n")
    client.force_login(staff("importer", *TAG_RIGHTS))
    try:
        for name in (os.path.basename(victim.name), "../../" + os.path.basename(victim.name)):
            response = client.post(
                reverse("admin:accounts_idtag_process_import"),
                {"import_file_name": name, "original_file_name": "x", "format": "0"},
            )
            assert response.status_code == 302
        assert os.path.exists(victim.name)
    finally:
        os.remove(victim.name)
    assert not IdTag.objects.exists()


def test_confirming_needs_the_import_rights(client):
    client.force_login(staff("viewer", "view_idtag"))

    response = client.post(
        reverse("admin:accounts_idtag_process_import"),
        {"import_file_name": "x", "original_file_name": "x", "format": "0"},
    )

    assert response.status_code == 403


def test_a_refused_preview_keeps_no_upload_and_stale_uploads_are_deleted(client, media_root):
    folder = Path(media_root) / "django-import-export"
    folder.mkdir(parents=True)
    stale, fresh = folder / "stale", folder / "fresh"
    stale.write_text("id_token\nOLD\n")
    fresh.write_text("id_token\nNEW\n")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    client.force_login(staff("importer", *TAG_RIGHTS))

    preview = upload(client, "accounts_idtag", b"id_token,blocked\nAA11,perhaps\n", "tags.csv")

    assert "Enter true or false" in preview.content.decode()
    assert sorted(path.name for path in folder.iterdir()) == ["fresh"]


# --- Files too large once read ---------------------------------------------------------

SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx_of_rows(rows: int, *, header: str = "id_token") -> bytes:
    """An .xlsx written by hand: a million rows compress to a few kilobytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{PACKAGE}/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}/relationships"><Relationship Id="rId1" '
            f'Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{SPREADSHEET}" xmlns:r="{RELATIONS}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}/relationships"><Relationship Id="rId1" '
            f'Type="{RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<worksheet xmlns="{SPREADSHEET}"><sheetData><row><c t="inlineStr">'
                f"<is><t>{header}</t></is></c></row>".encode()
            )
            sheet.write(b"<row><c><v>1</v></c></row>" * rows)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_a_small_xlsx_of_a_million_rows_is_refused_at_the_line_limit():
    data = xlsx_of_rows(1_000_000)
    assert len(data) < 200_000

    with pytest.raises(ImportFileError, match="more than 100000 lines to import"):
        table_parse(name="tags.xlsx", data=data)


def test_a_small_xlsx_that_expands_beyond_what_the_lines_take_is_refused_unread():
    data = xlsx_of_rows(10_000_000)
    assert len(data) < 2_000_000  # CSMS_MAX_REQUEST_BYTES lets it through the admin

    with pytest.raises(ImportFileError, match="expands to 260 MB, more than 100000 lines take"):
        table_parse(name="tags.xlsx", data=data)


def test_the_uncompressed_cap_follows_the_line_limit(settings):
    settings.CSMS_IMPORT_MAX_LINES = 10

    with pytest.raises(ImportFileError, match="expands to 1 MB, more than 10 lines take"):
        table_parse(name="tags.xlsx", data=xlsx_of_rows(60_000))


def test_an_xlsx_within_the_cap_is_read_row_by_row_and_stopped_at_the_limit(settings):
    settings.CSMS_IMPORT_MAX_LINES = 400
    with pytest.raises(ImportFileError, match="more than 400 lines to import"):
        table_parse(name="tags.xlsx", data=xlsx_of_rows(401))
    assert len(table_parse(name="tags.xlsx", data=xlsx_of_rows(400)).dataset) == 400


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tags.csv", "id_token\nA1\nA2\n\nA3\nA4\n"),
        ("tags.json", json.dumps([{"id_token": f"A{i}"} for i in range(4)])),
    ],
)
def test_a_file_over_the_line_limit_is_refused_by_the_command(settings, tmp_path, name, content):
    settings.CSMS_IMPORT_MAX_LINES = 3
    path = tmp_path / name
    path.write_text(content)

    _out, err = run("import_idtags", path)

    assert "more than 3 lines to import" in err and "CSMS_IMPORT_MAX_LINES" in err
    assert not IdTag.objects.exists()


def test_a_file_at_the_line_limit_is_read(settings, tmp_path):
    settings.CSMS_IMPORT_MAX_LINES = 3
    path = tmp_path / "tags.csv"
    # A blank line is not a line to import.
    path.write_text("id_token\nA1\n\nA2\nA3\n")

    assert len(table_read(path).dataset) == 3


def test_an_xlsx_over_the_line_limit_is_refused_in_the_admin(client, settings):
    settings.CSMS_IMPORT_MAX_LINES = 3
    client.force_login(staff("importer", *TAG_RIGHTS))

    page = upload(client, "accounts_idtag", xlsx_of_rows(4), "tags.xlsx").content.decode()

    assert "more than 3 lines to import" in page
    assert "confirm_form" not in page and not IdTag.objects.exists()


def test_excel_rows_beyond_the_header_and_blank_rows_are_not_lines(tmp_path):
    data = tablib.Dataset(headers=["id_token", "type"])
    data.append(["A1", "RFID"])
    data.append([None, None])
    data.append(["'=A2", None])
    path = tmp_path / "tags.xlsx"
    path.write_bytes(data.export("xlsx"))

    table = table_read(path)

    assert table.places == ["row 2", "row 4"]
    assert table.dataset.dict == [
        {"id_token": "A1", "type": "RFID"},
        {"id_token": "=A2", "type": None},
    ]


# --- Precise errors ----------------------------------------------------------------------


def test_json_infinity_is_refused_with_what_is_wrong(client, tmp_path):
    content = b'[{"chargepoint_id": "CP-1", "name": "x", "connectors": Infinity}]'
    path = tmp_path / "chargers.json"
    path.write_bytes(content)
    client.force_login(staff("importer", *CHARGER_RIGHTS))

    page = upload(client, "chargepoints_chargepoint", content, "c.json").content.decode()
    _out, err = run("import_chargepoints", path)

    assert "Infinity is not a JSON number" in page and "OverflowError" not in page
    assert "Infinity is not a JSON number" in err
    assert not ChargePoint.objects.exists()


def test_a_number_too_large_for_a_float_is_an_error_of_its_line_and_column(tmp_path):
    path = tmp_path / "chargers.json"
    path.write_text('[{"chargepoint_id": "CP-1", "name": "x", "connectors": 1e400}]')

    _out, err = run("import_chargepoints", path)

    assert "item 0, column connectors: Enter a whole number, not inf." in err
    assert "OverflowError" not in err


def test_an_id_tag_valid_until_9999_12_31_is_an_error_of_its_line_and_column(client, tmp_path):
    content = b"id_token,expiry_date\nAA11,2030-01-01\nAA12,9999-12-31\n"
    path = tmp_path / "tags.csv"
    path.write_bytes(content)
    client.force_login(staff("importer", *TAG_RIGHTS))

    _out, err = run("import_idtags", path)
    page = upload(client, "accounts_idtag", content, "tags.csv").content.decode()

    assert "line 3, column expiry_date: '9999-12-31' is too far in the future" in err
    assert "OverflowError" not in err
    assert "9999-12-31&#x27; is too far in the future" in page
    assert "<td>line 3 </td>" in page


def test_deeply_nested_json_is_a_file_error_not_a_crash(client, tmp_path):
    content = b"[" * 100_000 + b"]" * 100_000
    path = tmp_path / "chargers.json"
    path.write_bytes(content)
    client.force_login(staff("importer", *CHARGER_RIGHTS))

    _out, err = run("import_chargepoints", path)
    response = upload(client, "chargepoints_chargepoint", content, "c.json")

    assert "the JSON is nested too deeply to read" in err
    assert response.status_code == 200
    assert "the JSON is nested too deeply to read" in response.content.decode()


def test_an_error_that_is_not_a_validation_names_the_line_in_the_preview(client, monkeypatch):
    save = ChargePointResource.save_instance

    def failing(self, instance, is_create, row, **kwargs):
        if row["chargepoint_id"] == "CP-2":
            raise RuntimeError("the disk is full")
        return save(self, instance, is_create, row, **kwargs)

    monkeypatch.setattr(ChargePointResource, "save_instance", failing)
    client.force_login(staff("importer", *CHARGER_RIGHTS))
    # Header line 1, CP-1 on line 2, a blank line 3, CP-2 on line 4.
    content = b"chargepoint_id,name\nCP-1,Gate\n\nCP-2,Yard\n"

    response = upload(client, "chargepoints_chargepoint", content, "c.csv")

    assert [line for line, _ in response.context["result"].row_errors()] == ["line 4"]
    assert "line 4 - the disk is full" in response.content.decode()

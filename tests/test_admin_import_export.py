"""Imports and exports in the admin's lists of charge points, locations, id tags and users."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import IdTag, User
from accounts.services import user_create
from chargepoints.models import ChargePoint, Location
from chargepoints.services.connections import chargepoint_password_matches

LISTS = [
    ("chargepoints", "chargepoint"),
    ("chargepoints", "location"),
    ("accounts", "idtag"),
    ("accounts", "user"),
]
PASSWORD = "abcdefghijklmnop1234"

pytestmark = pytest.mark.django_db


def staff(username: str, *codenames: str, app: str = "") -> User:
    user = user_create(username=username, password="x")
    user.is_staff = True
    user.save()
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return User.objects.get(pk=user.pk)


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(("app", "model"), LISTS)
def test_without_the_rights_there_is_no_button_and_the_urls_are_refused(client, app, model):
    login(client, staff("viewer", f"view_{model}"))
    changelist = client.get(reverse(f"admin:{app}_{model}_changelist"))

    assert changelist.status_code == 200
    assert 'class="import_link"' not in changelist.content.decode()
    assert client.get(reverse(f"admin:{app}_{model}_import")).status_code == 403
    assert client.post(reverse(f"admin:{app}_{model}_process_import")).status_code == 403


@pytest.mark.parametrize(("app", "model"), LISTS)
def test_change_without_add_is_not_enough_to_import(client, app, model):
    login(client, staff("changer", f"view_{model}", f"change_{model}"))

    assert client.get(reverse(f"admin:{app}_{model}_import")).status_code == 403


@pytest.mark.parametrize(("app", "model"), LISTS)
def test_without_view_there_is_no_export(client, app, model):
    # The user admin lets whoever may change users see the list: view is what exports.
    login(client, staff("adder", f"add_{model}"))

    assert client.get(reverse(f"admin:{app}_{model}_export")).status_code == 403


@pytest.mark.parametrize(("app", "model"), LISTS)
def test_with_add_and_change_the_buttons_show(client, app, model):
    login(client, staff("importer", f"view_{model}", f"add_{model}", f"change_{model}"))
    page = client.get(reverse(f"admin:{app}_{model}_changelist")).content.decode()

    assert 'class="import_link"' in page
    assert 'class="export_link"' in page
    form = client.get(reverse(f"admin:{app}_{model}_import")).content.decode()
    # CSV, JSON and Excel in; the format choices are listed by name.
    for name in ("csv", "json", "xlsx"):
        assert f">{name}<" in form


def _upload(client, model_url, content: bytes, name: str):
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


def test_a_file_with_a_bad_line_is_previewed_with_its_error_and_nothing_is_written(client):
    login(client, staff("importer", "view_chargepoint", "add_chargepoint", "change_chargepoint"))
    content = b"chargepoint_id,name,connectors\nCP-1,Gate,2\nCP-2,Yard,two\n"

    response = _upload(client, "chargepoints_chargepoint", content, "chargers.csv")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a whole number, not &#x27;two&#x27;." in page
    assert "connectors" in page
    assert 'name="import_file_name"' not in page  # no confirm form
    assert not ChargePoint.objects.exists()


def test_the_preview_names_a_bad_line_as_the_file_numbers_it(client):
    login(client, staff("importer", "view_chargepoint", "add_chargepoint", "change_chargepoint"))
    # Header line 1, a good line 2, a blank line 3, the bad line 4.
    content = b"chargepoint_id,name,connectors\nCP-1,Gate,2\n\nCP-2,Yard,two\n"

    response = _upload(client, "chargepoints_chargepoint", content, "chargers.csv")

    rows = [row.number for row in response.context["result"].invalid_rows]
    assert rows == ["line 4"]
    assert "<td>line 4 </td>" in response.content.decode()


def test_a_file_that_cannot_be_read_is_refused_with_what_is_wrong(client):
    login(client, staff("importer", "view_chargepoint", "add_chargepoint", "change_chargepoint"))
    content = b"chargepoint_id,name,connectors\nCP-1,Gate\n"

    response = _upload(client, "chargepoints_chargepoint", content, "chargers.csv")

    page = response.content.decode()
    assert "line 2: 2 values, but the header names 3 columns" in page
    assert not ChargePoint.objects.exists()


def test_a_good_file_is_previewed_then_confirmed(client):
    login(client, staff("importer", "view_chargepoint", "add_chargepoint", "change_chargepoint"))
    content = b"chargepoint_id,name,connectors\nCP-1,Gate,2\n"

    preview = _upload(client, "chargepoints_chargepoint", content, "chargers.csv")

    assert not ChargePoint.objects.exists()
    confirm = preview.context["confirm_form"]
    response = client.post(
        reverse("admin:chargepoints_chargepoint_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )
    assert response.status_code == 302
    assert ChargePoint.objects.get(pk="CP-1").connectors.count() == 2


def test_setting_a_password_from_the_admin_needs_the_password_right(client):
    login(client, staff("importer", "view_chargepoint", "add_chargepoint", "change_chargepoint"))
    content = f"chargepoint_id,name,password\nCP-1,Gate,{PASSWORD}\n".encode()

    page = _upload(client, "chargepoints_chargepoint", content, "chargers.csv").content.decode()

    assert "needs the permission chargepoints.rotate_password" in page
    assert not ChargePoint.objects.exists()


def test_an_id_tag_of_a_superuser_cannot_be_imported_by_an_operator(client):
    boss = user_create(username="boss", password="x", phone_number="+66812345678")
    boss.is_superuser = True
    boss.save()
    login(client, staff("importer", "view_idtag", "add_idtag", "change_idtag"))
    content = b"id_token,phone_number\nAA11,+66812345678\n"

    page = _upload(client, "accounts_idtag", content, "tags.csv").content.decode()

    assert "only a superuser may change it" in page
    assert not IdTag.objects.exists()


def test_json_objects_with_keys_in_any_order_are_imported_in_the_admin(client):
    login(client, staff("importer", "view_location", "add_location", "change_location"))
    content = (
        b'[{"id": "L1", "name": "Depot", "address": "Main St 1", "city": "Berlin", '
        b'"country": "DEU", "coordinates": {"latitude": "52.5", "longitude": "13.4"}, '
        b'"parking_type": "PARKING_LOT", "publish": true},'
        b'{"publish": true, "id": "L2", "parking_type": "ON_STREET", "name": "Yard", '
        b'"country": "DE", "city": "Berlin", "address": "Side St 2", '
        b'"coordinates": {"longitude": "13.5", "latitude": "52.6"}}]'
    )

    preview = _upload(client, "chargepoints_location", content, "sites.json")

    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    confirm = preview.context["confirm_form"]
    client.post(
        reverse("admin:chargepoints_location_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )
    assert Location.objects.get(pk="L2").coordinates == {
        "latitude": "52.600000",
        "longitude": "13.500000",
    }


def _export(client, model_url, file_format: str):
    form = client.get(reverse(f"admin:{model_url}_export"))
    choices = {str(label): value for value, label in form.context["form"].fields["format"].choices}
    assert set(choices) - {"---"} == {"csv", "xlsx"}
    return client.post(reverse(f"admin:{model_url}_export"), {"format": choices[file_format]})


def test_charge_points_export_to_csv_and_excel_without_passwords(client):
    ChargePoint.objects.create(chargepoint_id="CP-1", name="Gate", password="pbkdf2_secret_hash")
    login(client, staff("viewer", "view_chargepoint"))

    csv_text = _export(client, "chargepoints_chargepoint", "csv").content.decode()
    header = csv_text.splitlines()[0]
    assert header.startswith("chargepoint_id,name,location,vendor,model,connectors")
    assert "password" not in header and "pbkdf2" not in csv_text
    assert "CP-1,Gate" in csv_text

    xlsx = _export(client, "chargepoints_chargepoint", "xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert [cell.value for cell in sheet[2]][:2] == ["CP-1", "Gate"]


def test_users_export_has_no_password(client):
    user_create(username="+66812345678", password="secret-pw-1", phone_number="+66812345678")
    login(client, staff("viewer", "view_user"))

    csv_text = _export(client, "accounts_user", "csv").content.decode()

    assert csv_text.splitlines()[0].startswith("phone_number,name,email")
    assert "+66812345678" in csv_text
    assert "pbkdf2" not in csv_text and "password" not in csv_text


def test_an_exported_file_imports_back_unchanged(client, tmp_path):
    from django.core.management import call_command

    charger = ChargePoint.objects.create(chargepoint_id="CP-1", name="Gate", connector_count=1)
    charger.connectors.create(connectorid=1)
    login(client, staff("viewer", "view_chargepoint"))
    path = tmp_path / "export.csv"
    path.write_bytes(_export(client, "chargepoints_chargepoint", "csv").content)
    out = io.StringIO()

    call_command("import_chargepoints", str(path), stdout=out, stderr=io.StringIO())

    assert "1 unchanged" in out.getvalue()
    assert "ignored columns (exports only)" in out.getvalue()


def test_a_file_with_an_unknown_column_is_refused_with_its_name(client):
    login(client, staff("importer", "view_chargepoint", "add_chargepoint", "change_chargepoint"))
    content = b"chargepoint_id,name,conectors\nCP-1,Gate,2\n"

    response = _upload(client, "chargepoints_chargepoint", content, "chargers.csv")

    assert response.status_code == 200
    assert "unknown column(s): conectors" in response.content.decode()
    assert not ChargePoint.objects.exists()


def _export_queries(client, model_url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        text = _export(client, model_url, "csv").content.decode()
    return len(queries), text


def _site(number: int) -> Location:
    return Location.objects.create(
        id=f"LOC-{number}",
        name=f"Site {number}",
        address="Main St 1",
        city="Berlin",
        country="DE",
        coordinates={"latitude": "52.520000", "longitude": "13.405000"},
    )


def test_exporting_charge_points_costs_the_same_queries_for_3_rows_as_for_30(client):
    login(client, staff("viewer", "view_chargepoint"))
    for number in range(3):
        ChargePoint.objects.create(chargepoint_id=f"CP-{number}", location=_site(number))
    few, _ = _export_queries(client, "chargepoints_chargepoint")
    for number in range(3, 30):
        ChargePoint.objects.create(chargepoint_id=f"CP-{number}", location=_site(number))

    many, text = _export_queries(client, "chargepoints_chargepoint")

    assert len(text.splitlines()) == 31
    assert "CP-29,,LOC-29," in text
    assert many == few


def test_exporting_id_tags_costs_the_same_queries_for_3_rows_as_for_30(client):
    login(client, staff("viewer", "view_idtag"))

    def tags(numbers):
        for number in numbers:
            phone = f"+668123450{number:02}"
            owner = user_create(username=phone, password=None, phone_number=phone)
            IdTag.objects.create(idToken=f"TAG{number:02}", user=owner)

    tags(range(3))
    few, _ = _export_queries(client, "accounts_idtag")
    tags(range(3, 30))

    many, text = _export_queries(client, "accounts_idtag")

    assert len(text.splitlines()) == 31
    assert any(line.startswith("TAG29,") and "+66812345029" in line for line in text.splitlines())
    assert many == few


def test_a_password_imported_in_the_admin_is_hashed_when_confirmed_not_in_the_preview(
    client, monkeypatch
):
    from chargepoints.hashers import ChargerPasswordHasher

    made = []
    encode = ChargerPasswordHasher.encode
    monkeypatch.setattr(
        ChargerPasswordHasher, "encode", lambda *a, **k: made.append(1) or encode(*a, **k)
    )
    codenames = ("view_chargepoint", "add_chargepoint", "change_chargepoint", "rotate_password")
    login(client, staff("installer", *codenames))
    content = f"chargepoint_id,name,password\nCP-1,Gate,{PASSWORD}\n".encode()

    preview = _upload(client, "chargepoints_chargepoint", content, "chargers.csv")

    assert made == []
    assert not ChargePoint.objects.exists()
    confirm = preview.context["confirm_form"]
    response = client.post(
        reverse("admin:chargepoints_chargepoint_process_import"),
        {name: confirm.initial[name] for name in confirm.fields},
    )
    assert response.status_code == 302
    stored = ChargePoint.objects.get(pk="CP-1")
    assert stored.security_profile == 1
    assert chargepoint_password_matches(password_hash=stored.password, password=PASSWORD)

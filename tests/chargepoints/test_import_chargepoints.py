"""manage.py import_chargepoints: charge points from CSV, JSON or Excel files."""

import io
import json

import pytest
import tablib
from django.core.management import CommandError, call_command
from django.db import connections

from chargepoints.enums import ParkingType
from chargepoints.hashers import ChargerPasswordHasher
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.services.connections import chargepoint_password_matches

PASSWORD = "abcdefghijklmnop1234"

pytestmark = pytest.mark.django_db


def run(path, *options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_chargepoints", str(path), *options, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + f"CommandError: {error}"
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path, text, name="chargers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def site(db):
    return Location.objects.create(
        id="LOC-1",
        country_code="DE",
        party_id="CSM",
        name="Depot",
        address="Main St 1",
        city="Berlin",
        country="DE",
        coordinates={"latitude": "52.520000", "longitude": "13.405000"},
        parking_type=ParkingType.PARKING_LOT,
    )


GOOD = (
    "chargepoint_id,name,location,vendor,model,connectors,security_profile,password\n"
    "CP-1,Gate,LOC-1,ABB,Terra AC,2,,\n"
    f"CP-2,Yard,Depot,,,1,1,{PASSWORD}\n"
)


def test_it_creates_charge_points_with_connectors_location_and_a_hashed_password(tmp_path, site):
    status, out, err = run(write(tmp_path, GOOD))

    assert status == 0, err
    assert "2 created, 0 updated, 0 unchanged, 0 refused" in out
    gate = ChargePoint.objects.get(pk="CP-1")
    assert (gate.name, gate.location, gate.chargepoint_vendor, gate.chargepoint_model) == (
        "Gate",
        site,
        "ABB",
        "Terra AC",
    )
    assert gate.connector_count == 2
    assert list(gate.connectors.values_list("connectorid", flat=True)) == [1, 2]
    yard = ChargePoint.objects.get(pk="CP-2")
    assert yard.location == site  # found by its name
    assert yard.security_profile == 1
    assert PASSWORD not in yard.password
    assert chargepoint_password_matches(password_hash=yard.password, password=PASSWORD)


def test_running_the_same_file_again_changes_nothing(tmp_path, site):
    path = write(tmp_path, GOOD)
    run(path)
    hashed = ChargePoint.objects.get(pk="CP-2").password

    status, out, _ = run(path)

    assert status == 0
    assert "0 created, 0 updated, 2 unchanged, 0 refused" in out
    # The same password is recognised by its hash, not hashed again.
    assert ChargePoint.objects.get(pk="CP-2").password == hashed
    assert Connector.objects.count() == 3


def test_it_updates_by_chargepoint_id_and_never_deletes_connectors(tmp_path, site):
    run(write(tmp_path, GOOD))
    path = write(tmp_path, "chargepoint_id,name,connectors\nCP-1,Gate North,1\n", "less.csv")

    status, out, _ = run(path)

    assert status == 0
    assert "0 created, 1 updated, 0 unchanged" in out
    gate = ChargePoint.objects.get(pk="CP-1")
    assert gate.name == "Gate North"
    assert gate.connector_count == 2
    assert gate.connectors.count() == 2
    assert gate.location == site  # a column not in the file is left as it is


def test_a_new_password_is_hashed_and_an_empty_one_keeps_the_old(tmp_path, site):
    run(write(tmp_path, GOOD))
    other = "zyxwvutsrqponmlk9876"
    run(write(tmp_path, f"chargepoint_id,name,password\nCP-2,Yard,{other}\n", "new.csv"))
    stored = ChargePoint.objects.get(pk="CP-2").password
    assert chargepoint_password_matches(password_hash=stored, password=other)

    status, out, _ = run(write(tmp_path, "chargepoint_id,name,password\nCP-2,Yard,\n", "e.csv"))

    assert status == 0 and "1 unchanged" in out
    assert ChargePoint.objects.get(pk="CP-2").password == stored


def test_every_bad_line_is_reported_by_line_and_column_and_nothing_is_written(tmp_path, site):
    path = write(
        tmp_path,
        "chargepoint_id,name,location,connectors,security_profile,password\n"
        "CP-1,Good,,2,,\n"
        "CP-2,Bad count,,two,,\n"
        "\n"
        "CP-3,Bad profile,,1,7,\n"
        "CP-4,Unknown site,Nowhere,1,,\n"
        "CP-5,Needs password,,1,2,\n"
        "CP-6,Short password,,1,,short\n"
        "CP-7,Password on profile 0,,1,0," + PASSWORD + "\n"
        "CP-1,Again,,1,,\n",
    )

    status, out, err = run(path)

    assert status == 1
    lines = err.splitlines()
    assert "line 3, column connectors: Enter a whole number, not 'two'." in lines
    # Line 4 is blank: line numbers are the file's.
    assert "line 5, column security_profile: 7 is out of range: enter 0 to 3." in lines
    assert "line 6, column location: No location has the id or the name 'Nowhere'." in lines
    assert any(
        line.startswith("line 7, column security_profile: Profile 2 needs") for line in lines
    )
    assert any(line.startswith("line 8, column password: OCPP requires 16 to 40") for line in lines)
    assert any(
        line.startswith("line 9, column security_profile: A charger with a password")
        for line in lines
    )
    assert "line 10, column chargepoint_id: 'CP-1' is already in this file, at line 2." in lines
    assert "CommandError: 7 line(s) refused; nothing written" in err
    assert "1 created, 0 updated, 0 unchanged, 7 refused; nothing written" in out
    assert not ChargePoint.objects.exists()


def test_skip_invalid_writes_the_good_lines_and_still_fails(tmp_path, site):
    path = write(tmp_path, "chargepoint_id,name,connectors\nCP-1,Good,1\nCP-2,Bad,0\n")

    status, out, err = run(path, "--skip-invalid")

    assert status == 1
    assert "line 3, column connectors: 0 is out of range: enter 1 to 100." in err
    assert "Imported" in out and "1 created, 0 updated, 0 unchanged, 1 refused" in out
    assert list(ChargePoint.objects.values_list("pk", flat=True)) == ["CP-1"]


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path, site):
    status, out, _ = run(write(tmp_path, GOOD), "--dry-run")

    assert status == 0
    assert "Dry run" in out and "2 created" in out and "nothing written" in out
    assert not ChargePoint.objects.exists()
    assert not Connector.objects.exists()


def test_a_location_name_two_locations_share_is_refused(tmp_path, site):
    Location.objects.create(**{**_fields(site), "id": "LOC-2"})
    path = write(tmp_path, "chargepoint_id,name,location\nCP-1,Gate,Depot\n")

    status, _, err = run(path)

    assert status == 1
    assert "line 2, column location: 2 locations are named 'Depot': give the location's id." in err


def _fields(location):
    return {
        f.name: getattr(location, f.name)
        for f in Location._meta.concrete_fields
        if f.name != "last_updated"
    }


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("name\nGate\n", "a.csv", "missing required column(s): chargepoint_id"),
        ("chargepoint_id,name,conectors\nCP-1,Gate,2\n", "a.csv", "unknown column(s): conectors"),
        ("", "a.csv", "the file is empty"),
        ("chargepoint_id,name\n", "a.csv", "no lines to import"),
        ('[{"chargepoint_id": "CP-1",', "a.json", "invalid JSON at line 1"),
        ('{"chargepoint_id": "CP-1"}', "a.json", "expected a JSON list of objects"),
        ("chargepoint_id,name\n", "a.txt", "unknown file type '.txt'"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_cleanly(tmp_path, content, name, message):
    status, _, err = run(write(tmp_path, content, name))

    assert status == 1
    assert message in err
    assert "Traceback" not in err


def test_a_missing_file_is_a_clean_error(tmp_path):
    status, _, err = run(tmp_path / "nothing.csv")

    assert status == 1 and "cannot read the file" in err


def test_json_objects_are_read_by_key_and_errors_name_their_index(tmp_path, site):
    objects = [
        {"chargepoint_id": "CP-1", "name": "Gate", "connectors": 2},
        {"name": "No id", "chargepoint_id": "CP-2", "connectors": 2.5},
    ]
    path = write(tmp_path, json.dumps(objects), "chargers.json")

    status, _, err = run(path)

    assert status == 1
    assert "item 1, column connectors: Enter a whole number, not 2.5." in err


def test_excel_files_are_read_and_errors_name_the_sheet_row(tmp_path, site):
    data = tablib.Dataset(headers=["chargepoint_id", "name", "connectors"])
    data.append(["CP-1", "Gate", 2])
    data.append(["CP-2", "Yard", "many"])
    path = tmp_path / "chargers.xlsx"
    path.write_bytes(data.export("xlsx"))

    status, _, err = run(path, "--skip-invalid")

    assert status == 1
    assert "row 3, column connectors: Enter a whole number, not 'many'." in err
    assert ChargePoint.objects.get(pk="CP-1").connector_count == 2


def test_a_long_file_shows_a_progress_bar(tmp_path, site):
    lines = "".join(f"CP-{n},Charger {n}\n" for n in range(300))
    status, out, err = run(write(tmp_path, "chargepoint_id,name\n" + lines))

    assert status == 0
    assert "300 created" in out
    assert "300/300" in err


@pytest.fixture
def hashes(monkeypatch):
    """Each hash the charger hasher makes (checking a password makes one too).

    Each is recorded as whether the command's database transaction was open
    then (the hashing threads have connections of their own: the command's
    is the one asked).
    """
    command_connection = connections["default"]
    made = []
    encode = ChargerPasswordHasher.encode

    def recording(self, password, salt, iterations=None):
        made.append(command_connection.in_atomic_block)
        return encode(self, password, salt, iterations)

    monkeypatch.setattr(ChargerPasswordHasher, "encode", recording)
    return made


def test_a_dry_run_hashes_no_password_and_stores_nothing(tmp_path, site, hashes):
    status, out, err = run(write(tmp_path, GOOD), "--dry-run")

    assert status == 0, err
    assert "would be 2 created, 0 updated, 0 unchanged, 0 refused; nothing written" in out
    assert hashes == []
    assert not ChargePoint.objects.exists()


def test_a_dry_run_still_refuses_a_password_of_the_wrong_length(tmp_path, site, hashes):
    path = write(tmp_path, "chargepoint_id,name,password\nCP-1,Gate,short\n")

    status, _, err = run(path, "--dry-run")

    assert status == 1
    assert "line 2, column password: OCPP requires 16 to 40 characters (this one has 5)." in err
    assert hashes == []


def test_a_dry_run_counts_passwords_as_the_import_will_and_changes_none(tmp_path, site):
    run(write(tmp_path, GOOD))
    stored = ChargePoint.objects.get(pk="CP-2").password
    other = "zyxwvutsrqponmlk9876"
    changed = write(tmp_path, f"chargepoint_id,name,password\nCP-2,Yard,{other}\n", "new.csv")

    _, same_out, _ = run(write(tmp_path, GOOD, "same.csv"), "--dry-run")
    _, changed_out, _ = run(changed, "--dry-run")

    assert "would be 0 created, 0 updated, 2 unchanged, 0 refused" in same_out
    assert "would be 0 created, 1 updated, 0 unchanged, 0 refused" in changed_out
    assert ChargePoint.objects.get(pk="CP-2").password == stored


@pytest.mark.django_db(transaction=True)
def test_passwords_are_hashed_before_the_import_transaction_opens(tmp_path, site, hashes):
    lines = "".join(f"CP-{n},Charger {n},,,,1,1,{PASSWORD}{n}\n" for n in range(5))
    path = write(tmp_path, GOOD.splitlines(keepends=True)[0] + lines)

    status, out, err = run(path)

    assert status == 0, err
    assert "5 created" in out
    # Made while the command held no transaction (so no write lock) open.
    assert hashes == [False] * 5
    for n in range(5):
        stored = ChargePoint.objects.get(pk=f"CP-{n}").password
        assert stored.startswith("pbkdf2_sha256_charger$")
        assert chargepoint_password_matches(password_hash=stored, password=f"{PASSWORD}{n}")
        assert not chargepoint_password_matches(password_hash=stored, password=PASSWORD)


def test_a_changed_password_is_stored_as_the_hash_of_the_new_one(tmp_path, site):
    run(write(tmp_path, GOOD))
    old = ChargePoint.objects.get(pk="CP-2").password
    other = "zyxwvutsrqponmlk9876"

    status, out, _ = run(write(tmp_path, f"chargepoint_id,name,password\nCP-2,Yard,{other}\n"))

    assert status == 0 and "1 updated" in out
    stored = ChargePoint.objects.get(pk="CP-2").password
    assert stored != old
    assert chargepoint_password_matches(password_hash=stored, password=other)
    assert not chargepoint_password_matches(password_hash=stored, password=PASSWORD)

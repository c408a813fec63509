"""manage.py import_locations: our columns, or OCPI 2.2.1 Location objects."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from chargepoints.models import Location

pytestmark = pytest.mark.django_db

OCPI_LOCATION = {
    # OCPI 2.2.1 locations §8.3.1.1's example, shortened.
    "country_code": "BE",
    "party_id": "BEC",
    "id": "LOC1",
    "publish": True,
    "name": "Gent Zuid",
    "address": "F.Rooseveltlaan 3A",
    "city": "Gent",
    "postal_code": "9000",
    "country": "BEL",
    "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
    "parking_type": "ON_STREET",
    "evses": [{"uid": "3256", "status": "AVAILABLE", "connectors": []}],
    "operator": {"name": "BeCharged"},
    "time_zone": "Europe/Brussels",
    "last_updated": "2015-06-29T20:39:09Z",
}


def run(path, *options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_locations", str(path), *options, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + f"CommandError: {error}"
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path, text, name="locations.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CSV = (
    "id,name,address,city,country,latitude,longitude,parking_type,time_zone,publish\n"
    "L10,Depot,Main St 1,Bangkok,TH,13.7563,100.5018,parking_lot,Asia/Bangkok,no\n"
)


def test_it_creates_a_location_from_columns_as_the_cpo_we_are(tmp_path, settings):
    status, out, err = run(write(tmp_path, CSV))

    assert status == 0, err
    assert "1 created" in out
    depot = Location.objects.get(pk="L10")
    assert (depot.country_code, depot.party_id) == (
        settings.CSMS_OCPI_COUNTRY_CODE,
        settings.CSMS_OCPI_PARTY_ID,
    )
    assert depot.country.code == "TH"
    assert depot.coordinates == {"latitude": "13.756300", "longitude": "100.501800"}
    assert depot.parking_type == "PARKING_LOT"
    assert str(depot.time_zone) == "Asia/Bangkok"
    assert depot.publish is False


def test_running_it_again_changes_nothing_and_a_change_updates_by_id(tmp_path):
    path = write(tmp_path, CSV)
    run(path)
    assert "0 created, 0 updated, 1 unchanged" in run(path)[1]

    moved = write(tmp_path, CSV.replace("Main St 1", "Main St 2"), "moved.csv")
    status, out, _ = run(moved)

    assert status == 0 and "0 created, 1 updated" in out
    assert Location.objects.get(pk="L10").address == "Main St 2"


def test_it_reads_ocpi_location_objects_and_says_what_it_left_out(tmp_path):
    path = write(tmp_path, json.dumps([OCPI_LOCATION]), "ocpi.json")

    status, out, err = run(path)

    assert status == 0, err
    gent = Location.objects.get(pk="LOC1")
    assert (gent.country_code, gent.party_id, gent.name, gent.city) == (
        "BE",
        "BEC",
        "Gent Zuid",
        "Gent",
    )
    assert gent.country.code == "BE"  # from alpha-3 BEL
    assert gent.coordinates == {"latitude": "51.047599", "longitude": "3.729944"}
    assert gent.parking_type == "ON_STREET"
    assert str(gent.time_zone) == "Europe/Brussels"
    assert "read as OCPI 2.2.1 Location objects" in out
    assert "1 EVSE(s) not imported" in out
    assert "OCPI fields not imported: operator" in out
    # An OCPI response wrapping the list is read too, and changes nothing now.
    wrapped = write(tmp_path, json.dumps({"data": [OCPI_LOCATION], "status_code": 1000}), "r.json")
    assert "1 unchanged" in run(wrapped)[1]


def test_bad_ocpi_objects_are_refused_with_every_error_by_index(tmp_path):
    bad = {
        **OCPI_LOCATION,
        "id": "LOC2",
        "country": "ZZZ",
        "coordinates": {"latitude": "191", "longitude": "3.7"},
        "time_zone": "Mars/Base",
    }
    del bad["parking_type"], bad["name"]
    path = write(tmp_path, json.dumps([OCPI_LOCATION, bad]), "ocpi.json")

    status, _, err = run(path)

    assert status == 1
    lines = err.splitlines()
    assert "item 1, column country: 'ZZZ' is not an ISO 3166-1 country code (DE or DEU)." in lines
    assert "item 1, column latitude: 191.0 is out of range: -90 to 90." in lines
    assert "item 1, column parking_type: This column needs a value." in lines
    assert "item 1, column name: This column needs a value." in lines
    assert (
        "item 1, column time_zone: 'Mars/Base' is not an IANA time zone name (Europe/Berlin)."
        in lines
    )
    assert not Location.objects.exists()


def test_a_location_without_its_required_columns_is_refused(tmp_path):
    status, _, err = run(write(tmp_path, "id,name\nL1,Depot\n"))

    assert status == 1
    assert (
        "missing required column(s): address, city, country, latitude, longitude, parking_type"
        in err
    )

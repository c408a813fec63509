"""manage.py import_idtags: RFID cards and other tokens, with their owners."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import IdTag
from accounts.services import user_create

pytestmark = pytest.mark.django_db


def run(path, *options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_idtags", str(path), *options, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + f"CommandError: {error}"
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path, text, name="tags.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def driver(db):
    return user_create(username="+66812345678", password=None, phone_number="+66812345678")


def test_it_creates_tags_with_owner_type_expiry_and_blocked(tmp_path, driver, settings):
    settings.TIME_ZONE = "Asia/Bangkok"
    path = write(
        tmp_path,
        "id_token,type,phone_number,expiry_date,blocked\n"
        "AA11,ISO14443,+66812345678,2027-12-31,false\n"
        "BB22,,,,yes\n",
    )

    status, out, err = run(path)

    assert status == 0, err
    assert "2 created" in out
    card = IdTag.objects.get(pk="AA11")
    assert (card.token_type, card.user, card.revoked) == ("ISO14443", driver, False)
    # Valid through the day it names, in the server's time zone.
    assert card.expiry_date == datetime.datetime(2027, 12, 31, 17, 0, tzinfo=datetime.UTC)
    assert IdTag.objects.get(pk="BB22").revoked is True


def test_tags_are_matched_regardless_of_case_and_a_rerun_changes_nothing(tmp_path, driver):
    run(write(tmp_path, "id_token,blocked\nAA11,false\n"))

    status, out, _ = run(write(tmp_path, "id_token,blocked\naa11,true\n", "lower.csv"))

    assert status == 0 and "0 created, 1 updated" in out
    assert list(IdTag.objects.values_list("idToken", "revoked")) == [("AA11", True)]
    assert "1 unchanged" in run(write(tmp_path, "id_token,blocked\naa11,true\n", "again.csv"))[1]


def test_every_bad_value_is_named_by_its_json_index_and_column(tmp_path, driver):
    objects = [
        {"id_token": "AA11"},
        {"id_token": "aa11"},
        {
            "id_token": "BB22",
            "type": "Nope",
            "phone_number": "+66899999999",
            "expiry_date": "31/12/2027",
            "blocked": "maybe",
        },
        {"id_token": "CC33", "phone_number": "12"},
    ]
    status, out, err = run(write(tmp_path, json.dumps(objects), "tags.json"))

    assert status == 1
    lines = err.splitlines()
    assert "item 1, column id_token: 'aa11' is already in this file, at item 0." in lines
    assert any(
        line.startswith("item 2, column type: 'Nope' is not one of: Central") for line in lines
    )
    unknown = "No user has the phone number +66899999999: import the driver first."
    assert f"item 2, column phone_number: {unknown}" in lines
    assert any(line.startswith("item 2, column expiry_date: Enter a date") for line in lines)
    assert "item 2, column blocked: Enter true or false, not 'maybe'." in lines
    assert any(
        line.startswith("item 3, column phone_number: '12': Enter a valid") for line in lines
    )
    assert "3 refused; nothing written" in out
    assert not IdTag.objects.exists()


def test_an_empty_phone_number_leaves_the_tag_without_owner(tmp_path, driver):
    run(write(tmp_path, "id_token,phone_number\nAA11,+66812345678\n"))

    status, out, _ = run(write(tmp_path, "id_token,phone_number\nAA11,\n", "b.csv"))

    assert status == 0 and "1 updated" in out
    assert IdTag.objects.get().user is None

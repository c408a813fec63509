"""manage.py import_drivers: drivers by phone number, made as the API makes them."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Profile, User

pytestmark = pytest.mark.django_db


def run(path, *options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_drivers", str(path), *options, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + f"CommandError: {error}"
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path, text, name="drivers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_driver_is_a_phone_number_account_with_a_profile_and_no_usable_password(tmp_path):
    path = write(tmp_path, "phone_number,name,email\n+66812345678,Somchai Jaidee,s@example.com\n")

    status, out, err = run(path)

    assert status == 0, err
    assert "1 created" in out
    driver = User.objects.get(phone_number="+66812345678")
    assert driver.username == "+66812345678"
    assert (driver.first_name, driver.last_name, driver.email) == (
        "Somchai",
        "Jaidee",
        "s@example.com",
    )
    assert not driver.has_usable_password()
    assert not driver.is_staff
    assert Profile.objects.filter(user=driver).exists()


def test_numbers_in_the_regions_format_are_read_and_the_same_driver_is_updated(tmp_path, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "TH"
    run(write(tmp_path, "phone_number,name\n+66812345678,Somchai\n"))

    status, out, _ = run(write(tmp_path, "phone_number,name\n081 234 5678,Somchai J\n", "b.csv"))

    assert status == 0
    assert "0 created, 1 updated" in out
    assert User.objects.get().first_name == "Somchai"
    assert User.objects.get().last_name == "J"
    assert (
        "1 unchanged"
        in run(write(tmp_path, "phone_number,name\n0812345678,Somchai J\n", "c.csv"))[1]
    )


def test_bad_lines_are_all_reported_and_nothing_is_written(tmp_path):
    path = write(
        tmp_path,
        "phone_number,name,email\n"
        "+66812345678,Good,\n"
        "+6681234,Short number,\n"
        "+66812345670,Bad mail,not-an-email\n"
        "+66 81 234 5678,Same as line 2,\n"
        ",No number,\n",
    )

    status, out, err = run(path)

    assert status == 1
    lines = err.splitlines()
    assert any(
        line.startswith("line 3, column phone_number: '+6681234': Enter a valid") for line in lines
    )
    assert "line 4, column email: Enter a valid email address." in lines
    assert (
        "line 5, column phone_number: '+66 81 234 5678' is already in this file, at line 2."
        in lines
    )
    assert "line 6, column phone_number: This column needs a value." in lines
    assert "4 refused; nothing written" in out
    assert not User.objects.exists()


def test_skip_invalid_writes_the_good_drivers(tmp_path):
    path = write(tmp_path, "phone_number\n+66812345678\nnonsense\n")

    status, out, _ = run(path, "--skip-invalid")

    assert status == 1
    assert "1 created, 0 updated, 0 unchanged, 1 refused" in out
    assert User.objects.count() == 1


def test_a_dry_run_writes_nothing(tmp_path):
    status, out, _ = run(write(tmp_path, "phone_number\n+66812345678\n"), "--dry-run")

    assert status == 0 and "Dry run" in out and "1 created" in out
    assert not User.objects.exists()

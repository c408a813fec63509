"""Passwords are stored with the production work factor; the test run's MD5 stays in tests."""

import importlib

from django.contrib.auth.hashers import check_password, identify_hasher

from accounts.services import user_create

PRODUCTION = importlib.import_module("csms.settings")


def test_the_project_settings_hash_user_passwords_with_pbkdf2(db, settings):
    settings.PASSWORD_HASHERS = PRODUCTION.PASSWORD_HASHERS

    user = user_create(username="alice", password="correct horse 42", phone_number="+66812345670")

    hasher = identify_hasher(user.password)
    assert hasher.algorithm == "pbkdf2_sha256"
    assert hasher.iterations >= 1_000_000
    assert check_password("correct horse 42", user.password)


def test_md5_exists_only_in_the_test_settings():
    assert not any("MD5" in hasher for hasher in PRODUCTION.PASSWORD_HASHERS)

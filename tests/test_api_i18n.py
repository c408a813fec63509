"""Errors in the language the request asks for (Accept-Language): English and Thai.

Seed 003 is a Thai system. Our own messages are translated in
locale/th/LC_MESSAGES/django.po; Django's and DRF's come with them. The
compiled .mo is committed (no GNU gettext needed to run the project) and
must say what its .po says.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.services import user_create

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w*\}")


@pytest.fixture
def api():
    return APIClient()


def test_a_problem_is_in_thai_when_the_request_asks_for_thai(api, db):
    response = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="th")

    assert response.status_code == 401
    assert response["Content-Language"] == "th"
    body = response.json()
    assert body["code"] == "not_authenticated"  # codes are never translated
    assert body["title"] == "ต้องเข้าสู่ระบบ"
    assert body["detail"] == "ไม่พบข้อมูลการเข้าสู่ระบบ"  # DRF's own Thai


def test_without_accept_language_a_problem_is_in_english(api, db):
    response = api.get("/api/v1/me/")

    assert response["Content-Language"].startswith("en")
    assert response.json()["title"] == "Authentication required"


def test_a_preferred_language_the_api_does_not_have_falls_back_to_the_next(api, db):
    response = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="ja, th;q=0.8, en;q=0.5")

    assert response["Content-Language"] == "th"


def test_field_errors_are_in_thai_and_keep_their_codes(api, db):
    response = api.post("/api/v1/auth/register/", {}, format="json", HTTP_ACCEPT_LANGUAGE="th")

    body = response.json()
    assert body["title"] == "ข้อมูลไม่ถูกต้อง"
    assert body["detail"] == "ข้อมูลไม่ถูกต้อง"
    assert {"field": "password", "code": "required", "message": "ต้องระบุช่องนี้"} in (body["errors"])


def test_an_unknown_api_path_is_answered_in_thai(api, db):
    response = api.get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="th-TH")

    assert response.status_code == 404
    assert response.json()["detail"] == "ไม่มี /api/v1/nowhere/ ใน API นี้"
    assert response.json()["title"] == "ไม่พบ"


def test_a_blocked_account_is_told_so_in_thai(api, db):
    user_create(username="somchai", password="correct horse 42", status="BLOCKED")

    response = api.post(
        "/api/v1/auth/login/",
        {"username": "somchai", "password": "correct horse 42"},
        HTTP_ACCEPT_LANGUAGE="th",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "account_blocked"
    assert response.json()["detail"] == "บัญชีนี้ถูกระงับ"
    assert response.json()["title"] == "บัญชีถูกระงับ"


# -- the catalogs ----------------------------------------------------------------


def test_there_is_a_thai_catalog():
    assert LOCALE / "th/LC_MESSAGES/django.po" in CATALOGS
    assert [code for code, _ in settings.LANGUAGES] == ["en", "th"]


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_message_is_translated(po_path):
    po = polib.pofile(str(po_path))

    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda path: path.parts[-3])
def test_translations_keep_every_placeholder(po_path):
    for entry in polib.pofile(str(po_path)).translated_entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(PLACEHOLDER.findall(translation)) == wanted, entry.msgid


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda path: path.parts[-3])
def test_the_compiled_catalog_says_what_its_source_says(po_path):
    # `make messages` compiles it; a .po edited without it fails here.
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run make messages"

    def pairs(catalog) -> dict:
        return {
            (entry.msgctxt, entry.msgid, entry.msgid_plural): (
                tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
            )
            for entry in catalog
            if entry.msgid and (entry.msgstr or entry.msgstr_plural)
        }

    source = polib.pofile(str(po_path))
    compiled = polib.mofile(str(mo_path))
    assert pairs(compiled) == pairs(source.translated_entries())
    assert compiled.metadata.get("Plural-Forms") == source.metadata.get("Plural-Forms")

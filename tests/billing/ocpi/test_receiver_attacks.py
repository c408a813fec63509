"""Attacks on the OCPI receiver interfaces (tokens §12.2.1, commands §13.2.1): a partner
acts only on what is its own, and a body we cannot take is answered, never a 500."""

import pytest
from django.db.models.query import QuerySet
from django.utils import timezone

from accounts.models import IdTag
from billing.models import OcpiCommand, OcpiPartner, PartnerToken
from billing.services.partner_tokens import partner_token_upsert, token_from_ocpi
from chargepoints.models import Command, Transaction
from tests.billing.ocpi.conftest import TOKEN_A, Partner, envelope, issued_tag

COMMANDS = "/ocpi/2.2.1/commands/"
TOKEN_URL = "/ocpi/2.2.1/tokens/NL/EMS/012345678"
RESULT_URL = "https://emsp.example.com/ocpi/emsp/2.2.1/commands/UNLOCK_CONNECTOR/42"


@pytest.fixture(autouse=True)
def public_urls_only(settings):
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = False


def token_body(**changes) -> dict:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": "012345678",
        "type": "RFID",
        "contract_id": "NL8ACC12E46L89",
        "issuer": "TheNewMotion",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2015-06-29T22:39:09Z",
        **changes,
    }


def unlock_body(location) -> dict:
    return {
        "response_url": RESULT_URL,
        "location_id": location.pk,
        "evse_uid": "CP-TEST-1*1",
        "connector_id": "1",
    }


def charging(connector, uid: str | None) -> Transaction:
    return Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        id_tag_id=uid,
        id_token=uid or "",
        start_transaction_timestamp=timezone.now(),
        wh_meter_start=0,
    )


# -- UNLOCK_CONNECTOR of a connector in someone else's session -----------------------------


@pytest.mark.parametrize("holder", ["their driver", "our driver", "no tag"])
def test_a_partner_cannot_unlock_a_connector_in_a_session_not_its_own(
    registered, other, other_emsp, location, online, connector, charger, holder
):
    # The first partner's driver (or ours) is charging; the other partner
    # would end that session through an unlock on a 1.6 charger.
    uid = {"their driver": "EMSP-TAG-1", "our driver": "OUR-DRIVER", "no tag": None}[holder]
    if uid is not None:
        issued_tag(registered if holder == "their driver" else None, uid)
    charging(connector, uid)

    response = other_emsp.send("POST", COMMANDS + "UNLOCK_CONNECTOR", unlock_body(location))

    data = envelope(response)["data"]
    assert data["result"] == "REJECTED"
    assert not Command.objects.exists() and not OcpiCommand.objects.exists()


def test_a_partner_unlocks_its_own_drivers_connector_or_a_free_one(
    registered, emsp, location, online, connector, charger
):
    free = emsp.send("POST", COMMANDS + "UNLOCK_CONNECTOR", unlock_body(location))
    assert envelope(free)["data"]["result"] == "ACCEPTED"
    issued_tag(registered, "EMSP-TAG-1")
    charging(connector, "EMSP-TAG-1")

    response = emsp.send("POST", COMMANDS + "UNLOCK_CONNECTOR", unlock_body(location))

    assert envelope(response)["data"]["result"] == "ACCEPTED"
    assert Command.objects.filter(name="unlock_connector").count() == 2


# -- bodies we cannot take: an answer in the envelope, nothing stored --------------------------


@pytest.fixture
def callers(registered, pending, emsp):
    """Every endpoint that reads a body, and who calls it."""
    return [
        (Partner(TOKEN_A), "POST", "/ocpi/2.2.1/credentials"),
        (emsp, "PUT", TOKEN_URL),
        (emsp, "POST", COMMANDS + "START_SESSION"),
    ]


def test_a_body_past_the_upload_limit_is_413_in_the_envelope(callers, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    for caller, method, path in callers:
        response = caller.send(method, path, {**token_body(), "padding": "x" * 2000})

        envelope(response, status=413, code=2001)

    assert not PartnerToken.objects.exists() and not OcpiCommand.objects.exists()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(
    registered, pending, emsp, location, online, charger, constant
):
    # RFC 8259 has no such numbers; Python's decoder reads them, and a JSONField
    # holding one fails SQLite's JSON_VALID check (PostgreSQL's jsonb alike).
    raw = (
        f'{{"response_url": "{RESULT_URL}", "location_id": "{location.pk}",'
        f' "evse_uid": "CP-TEST-1*1", "connector_id": "1", "note": {constant}}}'
    )
    for path in (COMMANDS + "UNLOCK_CONNECTOR", COMMANDS + "START_SESSION"):
        response = emsp.client.post(
            path, raw, content_type="application/json", headers=emsp.headers
        )

        assert "JSON" in envelope(response, status=400, code=2001)["status_message"]

    roles = f'[{{"role": "EMSP", "party_id": "EMS", "country_code": "NL", "x": {constant},'
    roles += ' "business_details": {"name": "eMSP"}}]'
    registration = Partner(TOKEN_A)
    response = registration.client.post(
        "/ocpi/2.2.1/credentials",
        f'{{"token": "t", "url": "https://emsp.example.com/v", "roles": {roles}}}',
        content_type="application/json",
        headers=registration.headers,
    )
    envelope(response, status=400, code=2001)
    assert not Command.objects.exists() and not OcpiCommand.objects.exists()
    assert OcpiPartner.objects.get(name="New eMSP").status == OcpiPartner.Status.PENDING


# -- races ------------------------------------------------------------------------------------


def test_a_token_created_meanwhile_by_the_same_partner_is_updated_not_refused(
    registered, monkeypatch
):
    partner_token_upsert(partner=registered, token=token_from_ocpi(token_body()))
    # The race as PostgreSQL runs it: this request looked for the uid before a
    # concurrent request of the same partner (a retried PUT, a START_SESSION
    # with the token) committed it, so its INSERT meets the unique index.
    real_first = QuerySet.first
    looked = []

    def first_before_the_other_commit(queryset):
        if queryset.model is IdTag and not looked:
            looked.append(True)
            return None
        return real_first(queryset)

    monkeypatch.setattr(QuerySet, "first", first_before_the_other_commit)

    issued = partner_token_upsert(
        partner=registered, token=token_from_ocpi(token_body(whitelist="NEVER"))
    )

    assert looked and issued.partner == registered
    assert PartnerToken.objects.get().whitelist == "NEVER"


def test_a_uid_created_meanwhile_by_someone_else_is_still_refused(registered, other, monkeypatch):
    issued_tag(other, "012345678")
    real_first = QuerySet.first
    looked = []

    def first_before_the_other_commit(queryset):
        if queryset.model is IdTag and not looked:
            looked.append(True)
            return None
        return real_first(queryset)

    monkeypatch.setattr(QuerySet, "first", first_before_the_other_commit)

    with pytest.raises(ValueError, match="already in use"):
        partner_token_upsert(partner=registered, token=token_from_ocpi(token_body()))
    assert PartnerToken.objects.get().partner == other

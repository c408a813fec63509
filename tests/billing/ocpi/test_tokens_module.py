"""The Tokens receiver interface (OCPI 2.2.1 tokens §12.2.1, CPO role): eMSPs push their
tokens to us; each belongs to its partner and party, and a uid is never taken from
whoever holds it."""

import pytest

from accounts.models import IdTag
from billing.models import OcpiAuthorization, PartnerToken
from billing.services.partner_tokens import (
    InvalidToken,
    ocpi_authorization_record,
    partner_token_upsert,
    token_from_ocpi,
)
from tests.billing.ocpi.conftest import TOKEN_A, Partner, envelope, issued_tag


def token_body(**changes) -> dict:
    body = {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": "012345678",
        "type": "RFID",
        "contract_id": "NL8ACC12E46L89",
        "visual_number": "DF000-2001-8999-1",
        "issuer": "TheNewMotion",
        "group_id": "DF000-2001-8999",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2015-06-29T22:39:09Z",
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


# --- the service (billing.services.partner_tokens) ---


def test_token_from_ocpi_gives_the_field_values():
    token = token_from_ocpi(token_body(country_code="nl"), country_code="NL", party_id="ems")
    assert token["country_code"] == "NL" and token["party_id"] == "EMS"
    assert token["uid"] == "012345678" and token["whitelist"] == "ALWAYS"
    assert token["last_updated"].isoformat() == "2015-06-29T22:39:09+00:00"
    assert token["energy_contract"] is None and token["language"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "JSON object"),
        (token_body(uid=None), "uid"),
        (token_body(uid="x" * 37), "uid"),
        (token_body(uid="caf\u00e9"), "uid"),
        (token_body(uid="a\x00b"), "uid"),
        (token_body(uid=""), "uid"),
        (token_body(uid=12), "uid"),
        (token_body(contract_id=None), "contract_id"),
        (token_body(issuer=None), "issuer"),
        (token_body(issuer="a\nb"), "issuer"),
        (token_body(type="CARD"), "type"),
        (token_body(valid="yes"), "valid"),
        (token_body(valid=None), "valid"),
        (token_body(whitelist="SOMETIMES"), "whitelist"),
        (token_body(last_updated=None), "last_updated"),
        (token_body(last_updated="2015-06-29 22:39"), "last_updated"),
        (token_body(last_updated="2015-02-30T10:00:00Z"), "last_updated"),
        (token_body(default_profile_type="SLOW"), "default_profile_type"),
        (token_body(energy_contract="Vattenfall"), "energy_contract"),
        (token_body(energy_contract={"contract_id": "1"}), "supplier_name"),
        (token_body(country_code="NLD"), "country_code"),
        (token_body(party_id="OTH"), "party_id"),
    ],
)
def test_token_from_ocpi_names_the_field_at_fault(body, field):
    with pytest.raises(InvalidToken, match=field):
        token_from_ocpi(body, country_code="NL", party_id="EMS", uid="012345678")


def test_token_from_ocpi_checks_the_url_uid():
    with pytest.raises(InvalidToken, match="uid"):
        token_from_ocpi(token_body(), uid="999")


def test_upsert_creates_the_tag_and_replaces_the_token(registered):
    first = partner_token_upsert(partner=registered, token=token_from_ocpi(token_body()))
    assert first.id_tag_id == "012345678" and first.partner == registered
    assert not first.id_tag.revoked
    replaced = partner_token_upsert(
        partner=registered, token=token_from_ocpi(token_body(whitelist="NEVER"))
    )
    assert replaced.pk == first.pk
    assert PartnerToken.objects.get().whitelist == "NEVER"
    assert IdTag.objects.count() == 1


def test_upsert_refuses_our_drivers_tag_in_any_case(registered):
    issued_tag(None, "abcdef")
    with pytest.raises(InvalidToken, match="already in use"):
        partner_token_upsert(partner=registered, token=token_from_ocpi(token_body(uid="ABCDEF")))
    assert not PartnerToken.objects.exists()


def test_upsert_refuses_another_partners_uid(registered, other):
    partner_token_upsert(partner=registered, token=token_from_ocpi(token_body()))
    with pytest.raises(InvalidToken, match="already in use"):
        partner_token_upsert(
            partner=other,
            token=token_from_ocpi(token_body(country_code="BE", party_id="OTH")),
        )
    assert PartnerToken.objects.get().partner == registered


def test_invalid_blocks_the_tag_and_valid_unblocks_only_the_partners_block(registered):
    partner_token_upsert(partner=registered, token=token_from_ocpi(token_body(valid=False)))
    assert IdTag.objects.get().revoked
    partner_token_upsert(partner=registered, token=token_from_ocpi(token_body()))
    assert not IdTag.objects.get().revoked
    # An operator's revocation is not the partner's to lift.
    IdTag.objects.update(revoked=True)
    partner_token_upsert(partner=registered, token=token_from_ocpi(token_body()))
    assert IdTag.objects.get().revoked


def test_authorization_record_keeps_the_answer(registered):
    token = partner_token_upsert(partner=registered, token=token_from_ocpi(token_body()))
    record = ocpi_authorization_record(
        token=token,
        source=OcpiAuthorization.Source.REALTIME,
        allowed="ALLOWED",
        authorization_reference="ref-1",
        location_id="7",
        evse_uids=["CP1*1"],
    )
    stored = OcpiAuthorization.objects.get()
    assert stored == record and stored.evse_uids == ["CP1*1"] and stored.transaction is None


# --- the receiver interface (/ocpi/2.2.1/tokens/...) ---

URL = "/ocpi/2.2.1/tokens/NL/EMS/012345678"


def stored_state() -> list:
    return list(
        PartnerToken.objects.order_by("pk").values_list(
            "partner_id", "country_code", "party_id", "uid", "type", "valid", "whitelist"
        )
    ) + list(IdTag.objects.order_by("pk").values_list("idToken", "revoked"))


def test_version_details_list_the_tokens_receiver(emsp):
    body = envelope(emsp.get("/ocpi/2.2.1"))
    tokens = [e for e in body["data"]["endpoints"] if e["identifier"] == "tokens"]
    assert tokens == [
        {"identifier": "tokens", "role": "RECEIVER", "url": "http://testserver/ocpi/2.2.1/tokens"}
    ]


def test_put_creates_then_replaces_and_get_shows_it(emsp, registered):
    created = emsp.send("PUT", URL, token_body())
    envelope(created, status=201)
    assert "data" not in created.json()
    assert created["OCPI-to-party-id"] == "EMS"
    envelope(emsp.send("PUT", URL, token_body(whitelist="NEVER", language="nl")))
    data = envelope(emsp.get(URL))["data"]
    assert data == {**token_body(whitelist="NEVER", language="nl")}
    stored = PartnerToken.objects.get()
    assert stored.partner == registered and stored.id_tag_id == "012345678"


def test_get_of_an_unknown_token_is_2004(emsp):
    envelope(emsp.get(URL), status=404, code=2004)


def test_get_finds_the_token_by_its_type(emsp):
    emsp.send("PUT", URL + "?type=APP_USER", token_body(type="APP_USER"))
    envelope(emsp.get(URL), status=404, code=2004)
    assert envelope(emsp.get(URL, {"type": "APP_USER"}))["data"]["type"] == "APP_USER"


def test_patch_changes_the_given_fields(emsp):
    emsp.send("PUT", URL, token_body())
    envelope(emsp.send("PATCH", URL, {"valid": False, "last_updated": "2019-06-19T02:11:11Z"}))
    data = envelope(emsp.get(URL))["data"]
    assert data == token_body(valid=False, last_updated="2019-06-19T02:11:11Z")
    assert IdTag.objects.get().revoked


def test_patch_of_an_unknown_token_is_2004(emsp):
    response = emsp.send("PATCH", URL, {"valid": False, "last_updated": "2019-06-19T02:11:11Z"})
    envelope(response, status=404, code=2004)
    assert not IdTag.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"valid": False},  # tokens §12.2.1.3: last_updated is required
        {"valid": "no", "last_updated": "2019-06-19T02:11:11Z"},
        {"uid": "999", "last_updated": "2019-06-19T02:11:11Z"},
        {"party_id": "OTH", "last_updated": "2019-06-19T02:11:11Z"},
        {"type": "APP_USER", "last_updated": "2019-06-19T02:11:11Z"},
        {"issuer": None, "last_updated": "2019-06-19T02:11:11Z"},
        {"last_updated": "yesterday"},
        ["valid", False],
        "not an object",
    ],
)
def test_bad_patches_are_2001_and_change_nothing(emsp, body):
    emsp.send("PUT", URL, token_body())
    before = stored_state()
    envelope(emsp.send("PATCH", URL, body), status=400, code=2001)
    assert stored_state() == before


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (URL, token_body(uid="999")),  # transport §4.1.6.1: ids must match
        (URL, token_body(country_code="BE")),
        (URL, token_body(party_id="XYZ")),
        (URL, token_body(type="APP_USER")),  # ?type= defaults to RFID
        (URL + "?type=CARD", token_body()),
        (URL, token_body(whitelist="SOMETIMES")),
        (URL, token_body(valid=None)),
        (URL, token_body(last_updated="2015-06-29T22:39:09+02:00")),
        (URL, token_body(contract_id="c" * 37)),
        (URL, []),
        (URL, None),
        ("/ocpi/2.2.1/tokens/NL/EMS/" + "x" * 37, token_body(uid="x" * 37)),
        ("/ocpi/2.2.1/tokens/NLD/EMS/012345678", token_body()),
    ],
)
def test_bad_puts_are_2001_and_store_nothing(emsp, url, body):
    envelope(emsp.send("PUT", url, body), status=400, code=2001)
    assert stored_state() == []


def test_a_body_that_is_not_json_is_2001(emsp):
    response = emsp.client.put(
        URL, b"{not json", content_type="application/json", headers=emsp.headers
    )
    envelope(response, status=400, code=2001)
    response = emsp.client.put(
        URL, b"\xff\xfe", content_type="application/json", headers=emsp.headers
    )
    envelope(response, status=400, code=2001)
    assert stored_state() == []


def test_unsupported_methods_are_refused(emsp):
    for method in ("POST", "DELETE"):
        envelope(emsp.send(method, URL, token_body()), status=405, code=2000)
    assert stored_state() == []


def test_without_credentials_nothing_is_read_or_stored(emsp, pending):
    emsp.send("PUT", URL, token_body())
    before = stored_state()
    for caller in (Partner(None), Partner("wrong-token"), Partner(TOKEN_A)):
        envelope(caller.get(URL), status=401, code=2001)
        envelope(caller.send("PUT", URL, token_body(valid=False)), status=401, code=2001)
    assert stored_state() == before


def test_another_partys_token_is_refused(emsp, other):
    # NL/EMS is the first partner's; BE/OTH is another partner's party.
    url = "/ocpi/2.2.1/tokens/BE/OTH/012345678"
    envelope(
        emsp.send("PUT", url, token_body(country_code="BE", party_id="OTH")), status=404, code=2000
    )
    envelope(emsp.get(url), status=404, code=2000)
    assert stored_state() == []


def test_a_hub_pushes_tokens_of_each_of_its_emsp_roles(emsp, registered):
    registered.roles = [
        {"role": "HUB", "country_code": "NL", "party_id": "HUB"},
        {"role": "EMSP", "country_code": "DE", "party_id": "ABC"},
    ]
    registered.save()
    url = "/ocpi/2.2.1/tokens/DE/ABC/012345678"
    envelope(emsp.send("PUT", url, token_body(country_code="DE", party_id="ABC")), status=201)
    # Its HUB role issues no tokens.
    envelope(
        emsp.send("PUT", "/ocpi/2.2.1/tokens/NL/HUB/1", token_body(party_id="HUB", uid="1")),
        status=404,
        code=2000,
    )
    assert PartnerToken.objects.get().party_id == "ABC"


def test_another_partner_never_reads_or_overwrites_a_token(emsp, other_emsp, other):
    emsp.send("PUT", URL, token_body())
    before = stored_state()
    other_url = "/ocpi/2.2.1/tokens/BE/OTH/012345678"
    envelope(other_emsp.get(other_url), status=404, code=2004)
    envelope(other_emsp.get(URL), status=404, code=2000)
    response = other_emsp.send(
        "PUT", other_url, token_body(country_code="BE", party_id="OTH", valid=False)
    )
    body = envelope(response, status=400, code=2001)
    assert "already in use" in body["status_message"]
    envelope(
        other_emsp.send(
            "PATCH", other_url, {"valid": False, "last_updated": "2020-01-01T00:00:00Z"}
        ),
        status=404,
        code=2004,
    )
    envelope(other_emsp.send("PUT", URL, token_body(valid=False)), status=404, code=2000)
    assert stored_state() == before


def test_a_uid_of_our_own_drivers_is_refused_and_keeps_its_owner(emsp):
    tag = issued_tag(None, "012345678")
    body = envelope(emsp.send("PUT", URL.lower(), token_body()), status=400, code=2001)
    assert "already in use" in body["status_message"]
    assert not PartnerToken.objects.exists()
    tag.refresh_from_db()
    assert not tag.revoked


def test_the_same_uid_with_a_second_type_is_refused(emsp):
    emsp.send("PUT", URL, token_body())
    before = stored_state()
    response = emsp.send("PUT", URL + "?type=APP_USER", token_body(type="APP_USER"))
    body = envelope(response, status=400, code=2001)
    assert "type RFID" in body["status_message"]
    assert stored_state() == before


def test_invalid_blocks_the_tag_at_our_chargers(emsp):
    from chargepoints.services.authorization import idtag_authorize

    emsp.send("PUT", URL, token_body())
    assert idtag_authorize(id_token="012345678").status == "Accepted"
    emsp.send("PATCH", URL, {"valid": False, "last_updated": "2019-06-19T02:11:11Z"})
    assert idtag_authorize(id_token="012345678").status == "Blocked"
    emsp.send("PUT", URL, token_body())
    assert idtag_authorize(id_token="012345678").status == "Accepted"


def test_the_partners_page_shows_its_tokens_and_their_authorizations(admin_client, registered):
    issued = partner_token_upsert(partner=registered, token=token_from_ocpi(token_body()))
    ocpi_authorization_record(
        token=issued, source="REALTIME", allowed="NO_CREDIT", authorization_reference="REF-9"
    )

    page = admin_client.get(f"/admin/billing/ocpipartner/{registered.pk}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "NL8ACC12E46L89" in text and "NO_CREDIT (Real-time authorization) ref REF-9" in text

"""OCPP 2.0.1 block C Authorization: Authorize."""

import datetime

from accounts.models import IdTag
from tests.ocpp_gateway.v201.handlers.helpers import TAG


def authorize(wire, id_token: str, token_type: str = "ISO14443") -> dict:
    return wire.result("Authorize", {"idToken": {"idToken": id_token, "type": token_type}})


def test_it_answers_unknown_for_a_token_it_has_never_seen(wire):
    assert authorize(wire, "NOT-A-KNOWN-CARD") == {"idTokenInfo": {"status": "Unknown"}}


def test_it_accepts_a_known_token_in_any_letter_case(wire, tag):
    # OCPP 2.0.1 IdTokenType.idToken: "IdToken is case insensitive".
    assert authorize(wire, TAG.lower()) == {"idTokenInfo": {"status": "Accepted"}}


def test_it_answers_blocked_for_a_revoked_token(wire, tag):
    tag.revoked = True
    tag.save()

    assert authorize(wire, TAG) == {"idTokenInfo": {"status": "Blocked"}}


def test_it_answers_expired_with_the_expiry_for_an_expired_token(wire, tag):
    tag.expiry_date = datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.UTC)
    tag.save()

    assert authorize(wire, TAG) == {
        "idTokenInfo": {"status": "Expired", "cacheExpiryDateTime": "2024-01-01T12:00:00.000Z"}
    }


def test_it_names_the_parent_of_a_token_as_its_group(wire, tag):
    tag.parent_id_tag = IdTag.objects.create(idToken="FLEET-7")
    tag.save()

    assert authorize(wire, TAG) == {
        "idTokenInfo": {
            "status": "Accepted",
            "groupIdToken": {"idToken": "FLEET-7", "type": "Central"},
        }
    }


def test_it_accepts_a_no_authorization_token_without_a_value(wire):
    # OCPP 2.0.1 IdTokenEnumType NoAuthorization: there is no token value to check.
    assert authorize(wire, "", "NoAuthorization") == {"idTokenInfo": {"status": "Accepted"}}

"""OCPP 1.6J Authorize (Core; 2.0.1 block C)."""

import pytest

from accounts.enums import UserStatus
from tests.ocpp_gateway.helpers import Wire
from tests.ocpp_gateway.v16.handlers.helpers import call, started, tag, utc


def authorize(wire: Wire, id_tag: str, unique_id: str = "auth") -> dict:
    frame = call(wire, "Authorize", {"idTag": id_tag}, unique_id)
    assert frame[:2] == [3, unique_id]
    return frame[2]["idTagInfo"]


def test_it_accepts_a_known_tag(wire):
    tag("TAG1")

    frame = call(wire, "Authorize", {"idTag": "TAG1"}, "auth-1")

    assert frame == [3, "auth-1", {"idTagInfo": {"status": "Accepted"}}]


def test_it_calls_an_unknown_tag_invalid(wire):
    # OCPP 1.6 §7.2 has no "Unknown"; a tag we do not know is Invalid.
    assert authorize(wire, "NOBODY") == {"status": "Invalid"}


def test_it_matches_tags_regardless_of_letter_case(wire):
    tag("abc")

    assert authorize(wire, "ABC") == {"status": "Accepted"}


def test_it_blocks_a_revoked_tag(wire):
    tag("TAG1", revoked=True)

    assert authorize(wire, "TAG1") == {"status": "Blocked"}


def test_it_blocks_a_tag_whose_group_tag_is_revoked(wire):
    tag("TAG1", parent_id_tag=tag("FLEET", revoked=True))

    assert authorize(wire, "TAG1") == {"status": "Blocked", "parentIdTag": "FLEET"}


def test_it_calls_a_tag_past_its_expiry_date_expired(wire):
    tag("TAG1", expiry_date=utc("2024-01-01T00:00:00Z"))

    assert authorize(wire, "TAG1") == {
        "status": "Expired",
        "expiryDate": "2024-01-01T00:00:00.000Z",
    }


def test_it_tells_the_charger_until_when_an_accepted_tag_is_valid(wire):
    tag("TAG1", expiry_date=utc("2099-06-30T12:00:00Z"))

    assert authorize(wire, "TAG1") == {
        "status": "Accepted",
        "expiryDate": "2099-06-30T12:00:00.000Z",
    }


@pytest.mark.parametrize(
    ("user_status", "is_active", "answer"),
    [
        (UserStatus.BLOCKED, True, "Blocked"),
        (UserStatus.EXPIRED, True, "Expired"),
        (UserStatus.ACTIVE, False, "Blocked"),
    ],
)
def test_it_refuses_the_tag_of_a_driver_who_may_not_charge(
    wire, driver, user_status, is_active, answer
):
    driver.status = user_status
    driver.is_active = is_active
    driver.save()
    tag("TAG1", user=driver)

    assert authorize(wire, "TAG1") == {"status": answer}


def test_it_names_the_group_tag_of_an_accepted_tag(wire):
    tag("TAG1", parent_id_tag=tag("FLEET"))

    assert authorize(wire, "TAG1") == {"status": "Accepted", "parentIdTag": "FLEET"}


def test_it_leaves_out_a_group_tag_too_long_for_ocpp_16(wire):
    # OCPP 1.6 IdToken is CiString20Type; 2.0.1 group tokens may be 36 long.
    # parentIdTag is optional, so the tag is still answered, without it.
    tag("TAG1", parent_id_tag=tag("G" * 36))

    assert authorize(wire, "TAG1") == {"status": "Accepted"}


def test_it_accepts_a_tag_that_is_charging_so_the_driver_can_stop(wire, connector):
    tag("TAG1")
    started(wire, id_tag="TAG1")

    # ConcurrentTx is for starting (§7.2); an Authorize may be to stop.
    assert authorize(wire, "TAG1") == {"status": "Accepted"}

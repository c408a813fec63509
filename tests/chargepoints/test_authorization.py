"""idtag_authorize: the one answer to "may this token charge?", for every protocol version."""

import datetime

import pytest
from django.utils import timezone

from accounts.enums import AuthorizationStatus, IdTokenType, UserStatus
from accounts.models import IdTag
from chargepoints.models import Transaction
from chargepoints.services.authorization import idtag_authorize


@pytest.fixture
def card(driver) -> IdTag:
    return IdTag.objects.create(idToken="CARD-1", user=driver)


def status(token="CARD-1", **options) -> str:
    return idtag_authorize(id_token=token, **options).status


def test_a_card_of_an_active_driver_is_accepted_in_any_letter_case(card, driver):
    result = idtag_authorize(id_token="card-1")

    assert result.status == AuthorizationStatus.ACCEPTED
    assert (result.id_tag, result.id_tag.user) == (card, driver)


def test_a_card_nobody_issued_is_unknown(db):
    assert status("NEVER-ISSUED") == AuthorizationStatus.UNKNOWN
    assert status("") == AuthorizationStatus.UNKNOWN


def test_free_vend_needs_no_card(db):
    # OCPP 2.0.1 IdTokenEnumType NoAuthorization: the station lets anyone charge.
    assert status("", token_type=IdTokenType.NO_AUTHORIZATION) == AuthorizationStatus.ACCEPTED


def test_a_revoked_card_or_a_card_of_a_revoked_group_is_blocked(card):
    group = IdTag.objects.create(idToken="FLEET", revoked=True)
    IdTag.objects.create(idToken="CARD-2", parent_id_tag=group)
    card.revoked = True
    card.save()

    assert status("CARD-1") == AuthorizationStatus.BLOCKED
    assert status("CARD-2") == AuthorizationStatus.BLOCKED


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"status": UserStatus.BLOCKED}, AuthorizationStatus.BLOCKED),
        ({"is_active": False}, AuthorizationStatus.BLOCKED),
        ({"status": UserStatus.EXPIRED}, AuthorizationStatus.EXPIRED),
    ],
)
def test_the_drivers_account_decides_for_their_cards(card, driver, change, expected):
    for field, value in change.items():
        setattr(driver, field, value)
    driver.save()

    assert status() == expected


def test_a_card_past_its_expiry_date_is_expired_and_says_so(card):
    card.expiry_date = timezone.now() - datetime.timedelta(minutes=1)
    card.save()

    result = idtag_authorize(id_token="CARD-1")

    assert result.status == AuthorizationStatus.EXPIRED
    assert result.expiry_date == card.expiry_date


def test_an_accepted_card_names_its_group(card):
    card.parent_id_tag = IdTag.objects.create(idToken="FLEET")
    card.save()

    assert idtag_authorize(id_token="CARD-1").parent_id_tag == "FLEET"


def test_a_card_already_charging_is_concurrent_only_when_a_transaction_starts(card, connector):
    tx = Transaction.objects.create(
        chargepoint=connector.chargepoint,
        connector=connector,
        id_tag=card,
        start_transaction_timestamp=timezone.now(),
    )

    # OCPP 1.6 §7.2: a second start is refused; a stop must still be authorized.
    assert status(check_concurrent=True) == AuthorizationStatus.CONCURRENT_TX
    assert status() == AuthorizationStatus.ACCEPTED
    # Its own transaction does not count (a retransmitted start).
    assert status(check_concurrent=True, exclude_transactions={tx}) == AuthorizationStatus.ACCEPTED

"""Issue 16: failed charger logins lock the charge point id, or the client address, out.

Counted in the database, so every server process sees them; a lock-out
doubles with each further failure; a site's chargers behind one NAT address
do not lock each other out; operators lift a lock-out in the admin.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from chargepoints.enums import ChargerEventKind, SecurityProfile
from chargepoints.models import ChargePoint, ChargerEvent, ChargerLockout
from chargepoints.services.admission import Credentials, Refusal, chargepoint_admit
from chargepoints.services.connections import Certificate, chargepoint_set_password
from chargepoints.services.lockouts import (
    ADDRESS_FAILURES_FACTOR,
    chargerlockouts_prune,
    lockout_address_key,
    login_failure_record,
)
from tests.ocpp_gateway.test_security_profiles import PASSWORD, attempt, handshake
from tests.rights import OPERATORS, SUPPORT, user_in_group
from tests.server import database_copy, project_env, running_servers, sqlite_rows
from tests.waiting import wait_until

WRONG = "wrong-password-16ch"
SITE = Credentials(address="198.51.100.7")


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.CSMS_CHARGER_AUTH_FAILURES = 3
    settings.CSMS_CHARGER_LOCKOUT_SECONDS = 30
    settings.CSMS_CHARGER_LOCKOUT_MAX_SECONDS = 3600


def charger(chargepoint_id: str) -> ChargePoint:
    cp = ChargePoint.objects.create(chargepoint_id=chargepoint_id)
    chargepoint_set_password(chargepoint=cp, password=PASSWORD)
    return cp


def lockout(kind: str, key: str) -> ChargerLockout | None:
    return ChargerLockout.objects.filter(kind=kind, key=key).first()


def expire(row: ChargerLockout) -> None:
    """Let a lock run out, as time would: it ended a moment ago."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    ChargerLockout.objects.filter(pk=row.pk).update(locked_until=past, last_failure_at=past)


def test_failed_logins_lock_the_charger_out_even_with_the_right_password(db):
    cp = charger("CP-L")
    for _ in range(3):
        assert handshake(cp.pk, WRONG, credentials=SITE).refused == Refusal.INVALID_PASSWORD

    admission = chargepoint_admit(chargepoint_id=cp.pk, auto_register=False, credentials=SITE)

    # Refused before the password is looked at: there is no hash to check.
    assert (admission.refused, admission.password_hash) == (Refusal.LOCKED_OUT, "")
    assert handshake(cp.pk, PASSWORD, credentials=SITE).refused == Refusal.LOCKED_OUT
    row = lockout("chargepoint", cp.pk)
    assert row.failures == 3
    assert row.locked_until - row.last_failure_at == datetime.timedelta(seconds=30)
    assert not ChargePoint.objects.get(pk=cp.pk).connected


def test_a_lock_out_is_recorded_once_however_often_the_charger_knocks(db):
    cp = charger("CP-L")
    for _ in range(3):
        handshake(cp.pk, WRONG, credentials=SITE)
    for _ in range(20):
        handshake(cp.pk, PASSWORD, credentials=SITE)

    statuses = list(
        ChargerEvent.objects.filter(
            chargepoint=cp, kind=ChargerEventKind.CONNECTION_REFUSED
        ).values_list("status", flat=True)
    )
    assert sorted(statuses) == ["InvalidPassword"] * 3 + ["LockedOut"]
    # The failures counted are the three checked, not the twenty refused unchecked.
    assert lockout("chargepoint", cp.pk).failures == 3


def test_each_failure_after_a_lock_out_doubles_the_next_up_to_the_longest(db, settings):
    settings.CSMS_CHARGER_LOCKOUT_MAX_SECONDS = 100
    start = timezone.now()
    locks = []
    for number in range(6):
        now = start + datetime.timedelta(seconds=number)
        row = login_failure_record(chargepoint_id="CP-L", address=None, now=now)
        locks.append(row.locked_until and (row.locked_until - now).total_seconds())

    assert locks == [None, None, 30, 60, 100, 100]


def test_a_successful_login_clears_the_chargers_failures(db):
    cp = charger("CP-L")
    handshake(cp.pk, WRONG, credentials=SITE)
    handshake(cp.pk, WRONG, credentials=SITE)

    assert handshake(cp.pk, PASSWORD, credentials=SITE).connected

    assert lockout("chargepoint", cp.pk) is None
    # The next mistake starts from one again.
    handshake(cp.pk, WRONG, credentials=SITE)
    assert lockout("chargepoint", cp.pk).failures == 1


def test_after_the_lock_ran_out_the_right_password_gets_in(db):
    cp = charger("CP-L")
    for _ in range(3):
        handshake(cp.pk, WRONG, credentials=SITE)

    expire(lockout("chargepoint", cp.pk))

    assert handshake(cp.pk, PASSWORD, credentials=SITE).connected


def test_a_key_quiet_for_the_longest_lock_out_starts_again_from_zero(db):
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    for _ in range(5):
        login_failure_record(chargepoint_id="CP-L", address=None, now=long_ago)

    row = login_failure_record(chargepoint_id="CP-L", address=None, now=timezone.now())

    assert (row.failures, row.locked_until) == (1, None)
    assert chargerlockouts_prune(now=timezone.now()) == 0  # its row is fresh again


def test_forgiven_rows_are_pruned(db):
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    login_failure_record(chargepoint_id=None, address="203.0.113.1", now=long_ago)

    assert chargerlockouts_prune(now=timezone.now()) == 1
    assert not ChargerLockout.objects.exists()


def test_one_charger_with_a_stale_password_does_not_lock_its_site_out(db):
    stale, healthy = charger("CP-STALE"), charger("CP-HEALTHY")
    # Behind the site's NAT router, the stale one retries for hours: every
    # lock-out of its own ends in one more failure.
    for _ in range(3):
        handshake(stale.pk, WRONG, credentials=SITE)
    for _ in range(50):
        expire(lockout("chargepoint", stale.pk))
        handshake(stale.pk, WRONG, credentials=SITE)

    assert lockout("address", "198.51.100.7").failures == 3
    assert handshake(healthy.pk, PASSWORD, credentials=SITE).connected


def test_an_address_guessing_across_ids_is_locked_out(db):
    victim = charger("CP-VICTIM")
    threshold = 3 * ADDRESS_FAILURES_FACTOR
    for number in range(threshold):
        handshake(f"GUESS-{number}", WRONG, credentials=SITE)

    # Every id from that address now, known or not: the same refusal.
    assert handshake(victim.pk, PASSWORD, credentials=SITE).refused == Refusal.LOCKED_OUT
    assert handshake("GUESS-NEW", PASSWORD, credentials=SITE).refused == Refusal.LOCKED_OUT
    # From elsewhere, the charger is fine.
    assert handshake(victim.pk, PASSWORD, credentials=Credentials(address="192.0.2.1")).connected
    event = ChargerEvent.objects.get(chargepoint=victim, status=Refusal.LOCKED_OUT)
    assert "client address locked out" in event.detail


@pytest.mark.parametrize(
    "address, key",
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        (None, None),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_network(address, key):
    assert lockout_address_key(address) == key


def test_a_profile_3_charger_refused_without_its_certificate_is_counted_too(db):
    cp = ChargePoint.objects.create(
        chargepoint_id="CP-3", security_profile=SecurityProfile.CLIENT_CERTIFICATE
    )
    for _ in range(3):
        handshake(cp.pk, PASSWORD, credentials=SITE)

    assert handshake(cp.pk, credentials=SITE).refused == Refusal.LOCKED_OUT


def test_a_valid_certificate_is_not_held_back_by_a_lock_out(db):
    # Whoever failed on its id cannot lock a profile-3 charger out: its
    # certificate cannot be guessed, so there is no guessing to stop.
    cp = ChargePoint.objects.create(
        chargepoint_id="CP-3", security_profile=SecurityProfile.CLIENT_CERTIFICATE
    )
    for _ in range(3):
        handshake(cp.pk, PASSWORD, credentials=SITE)
    proof = Credentials(address=SITE.address, tls=True, certificate=Certificate("1A", "AB" * 32))

    assert handshake(cp.pk, credentials=proof).connected
    assert lockout("chargepoint", cp.pk) is None


# -- the admin -------------------------------------------------------------------


@pytest.fixture
def locked(db):
    cp = charger("CP-L")
    for _ in range(3):
        handshake(cp.pk, WRONG, credentials=SITE)
    return cp


def _lift(client, user) -> str:
    client.force_login(user)
    row = lockout("chargepoint", "CP-L")
    response = client.post(
        reverse("admin:chargepoints_chargerlockout_changelist"),
        {"action": "lift", "_selected_action": [str(row.pk)]},
        follow=True,
    )
    return " ".join(str(message) for message in response.context["messages"])


def test_an_operator_lifts_a_lock_out_and_the_charger_gets_in(client, locked):
    operator = user_in_group(OPERATORS, username="operator", is_staff=True)

    assert "1 lock-out(s) lifted" in _lift(client, operator)

    assert lockout("chargepoint", "CP-L") is None
    assert handshake("CP-L", PASSWORD, credentials=SITE).connected


def test_support_may_see_lock_outs_but_not_lift_them(client, locked):
    support = user_in_group(SUPPORT, username="support", is_staff=True)
    client.force_login(support)

    page = client.get(reverse("admin:chargepoints_chargerlockout_changelist"))
    assert page.status_code == 200 and "CP-L" in page.content.decode()
    assert 'value="lift"' not in page.content.decode()
    _lift(client, support)

    assert lockout("chargepoint", "CP-L").failures == 3


def test_the_charge_points_page_says_it_is_locked_out(client, locked):
    client.force_login(user_in_group(SUPPORT, username="support", is_staff=True))

    page = client.get(reverse("admin:chargepoints_chargepoint_change", args=["CP-L"]))

    assert page.status_code == 200
    assert "LOCKED OUT until" in page.content.decode()


# -- real servers ------------------------------------------------------------------

SETUP = f"""
from chargepoints.models import ChargePoint
from chargepoints.services.connections import Certificate, chargepoint_set_password
cp = ChargePoint.objects.create(chargepoint_id="LOCK-1")
chargepoint_set_password(chargepoint=cp, password="{PASSWORD}")
"""


@pytest.mark.e2e
def test_a_lock_out_holds_across_server_processes_and_runs_out(tmp_path, demo_database_template):
    database = database_copy(demo_database_template, tmp_path, setup=SETUP)
    # Two failures lock for 8 s: long enough to be refused, short to wait out.
    env = project_env(
        SQLITE_PATH=str(database),
        CSMS_CHARGER_AUTH_FAILURES="2",
        CSMS_CHARGER_LOCKOUT_SECONDS="8",
    )
    with running_servers(env, env) as (first, second):
        one, two = (url.replace("http://", "ws://") for url in (first, second))
        assert attempt(one, "LOCK-1", password=WRONG) == 403
        assert attempt(one, "LOCK-1", password=WRONG) == 403
        # The other process knows: refused, the right password included.
        assert attempt(two, "LOCK-1", password=PASSWORD) == 403
        assert sqlite_rows(
            database,
            "SELECT status FROM chargepoints_chargerevent WHERE chargepoint_id = 'LOCK-1' "
            "ORDER BY id",
        ) == [("InvalidPassword",), ("InvalidPassword",), ("LockedOut",)]

        # Once the lock has run out, the right password gets in.
        wait_until(
            lambda: attempt(two, "LOCK-1", password=PASSWORD) == 101,
            interval=1,
            what="LOCK-1 admitted after its lock-out",
        )

    assert sqlite_rows(
        database, "SELECT COUNT(*) FROM chargepoints_chargerlockout WHERE kind = 'chargepoint'"
    ) == [(0,)]

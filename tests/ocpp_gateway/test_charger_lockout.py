"""Issue 16: failed charger logins lock a charge point id out from one client address,
or a client address out.

Counted in the database, so every server process sees them; a lock-out
doubles with each failure after the last one ran out, never with failures
checked at the same moment; whoever guesses a charger's password locks out
only their own address from it; a site's chargers behind one NAT address do
not lock each other out; operators lift a lock-out in the admin.
"""

import asyncio
import datetime
import threading
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor

import pytest
import websockets
from django.urls import reverse
from django.utils import timezone

from chargepoints.enums import ChargerEventKind, SecurityProfile
from chargepoints.models import ChargePoint, ChargerEvent, ChargerLockout
from chargepoints.services.admission import (
    Credentials,
    Refusal,
    chargepoint_admit,
    chargepoint_password_checked,
)
from chargepoints.services.connections import (
    Certificate,
    Connection,
    chargepoint_connected,
    chargepoint_set_password,
)
from chargepoints.services.lockouts import (
    ADDRESS_FAILURES_FACTOR,
    chargerlockouts_prune,
    lockout_address_key,
    login_failure_record,
)
from tests.ocpp_gateway.test_security_profiles import PASSWORD, attempt, handshake
from tests.rights import OPERATORS, SUPPORT, user_in_group
from tests.server import database_copy, project_env, running_servers, sqlite_rows
from tests.waiting import DEADLINE, wait_until

WRONG = "wrong-password-16ch"
SITE = Credentials(address="198.51.100.7")
# Someone else, somewhere else.
ATTACKER = Credentials(address="203.0.113.66")


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


def own(chargepoint_id: str, address: str = SITE.address) -> ChargerLockout | None:
    """The count of a charge point id's failures from one address."""
    return lockout("chargepoint", f"{chargepoint_id} from {address}")


def at_home(cp: ChargePoint, address: str = SITE.address) -> ChargePoint:
    """The charger connected from this address before (its site's NAT router, say)."""
    chargepoint_connected(chargepoint_id=cp.pk, connection=Connection("c", "ocpp1.6", address))
    return cp


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
    row = own(cp.pk)
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
    assert own(cp.pk).failures == 3


def test_each_failure_after_a_lock_ran_out_doubles_the_next_up_to_the_longest(db, settings):
    settings.CSMS_CHARGER_LOCKOUT_MAX_SECONDS = 100
    now = timezone.now()
    locks = []
    for _ in range(6):
        row = login_failure_record(chargepoint_id="CP-L", address=None, now=now).row
        locks.append(row.locked_until and (row.locked_until - now).total_seconds())
        now = (row.locked_until or now) + datetime.timedelta(seconds=1)

    assert locks == [None, None, 30, 60, 100, 100]


def test_a_failure_while_locked_out_adds_nothing(db):
    now = timezone.now()
    for _ in range(3):
        login_failure_record(chargepoint_id="CP-L", address=SITE.address, now=now)

    later = now + datetime.timedelta(seconds=10)
    failure = login_failure_record(chargepoint_id="CP-L", address=SITE.address, now=later)

    assert not failure.counted
    row = own("CP-L")
    assert (row.failures, row.locked_until) == (3, now + datetime.timedelta(seconds=30))


def test_wrong_passwords_checked_at_the_same_moment_lock_the_charger_out_once(db):
    # Twenty handshakes arrive together: all pass the lock-out check before
    # the first wrong password is counted (hashing runs in between), as a
    # review's burst did, which counted 12 failures and locked for 3600 s.
    cp = charger("CP-L")
    pending = [
        chargepoint_admit(chargepoint_id=cp.pk, auto_register=False, credentials=ATTACKER)
        for _ in range(20)
    ]
    assert all(admission.password_pending for admission in pending)

    refused = [
        chargepoint_password_checked(
            chargepoint_id=cp.pk,
            admission=admission,
            matched=False,
            password_given=True,
            credentials=ATTACKER,
        ).refused
        for admission in pending
    ]

    assert refused == [Refusal.INVALID_PASSWORD] * 3 + [Refusal.LOCKED_OUT] * 17
    row = own(cp.pk, ATTACKER.address)
    assert row.failures == 3
    assert row.locked_until - row.last_failure_at == datetime.timedelta(seconds=30)
    # One event per counted failure, one for the lock-out.
    statuses = ChargerEvent.objects.filter(chargepoint=cp).values_list("status", flat=True)
    assert sorted(statuses) == ["InvalidPassword"] * 3 + ["LockedOut"]
    # Each was a password tried from there: the address counts them all.
    assert lockout("address", ATTACKER.address).failures == 20


def test_whoever_guesses_locks_out_only_their_own_address_not_the_charger(db):
    cp = at_home(charger("CP-L"))
    for _ in range(10):
        handshake(cp.pk, WRONG, credentials=ATTACKER)

    # The attacker is locked out of this charger, the right password included.
    assert handshake(cp.pk, PASSWORD, credentials=ATTACKER).refused == Refusal.LOCKED_OUT
    # The charger, from its own address, is not.
    assert handshake(cp.pk, PASSWORD, credentials=SITE).connected
    # Nor from a new address (a mobile APN hands out another).
    assert handshake(cp.pk, PASSWORD, credentials=Credentials(address="192.0.2.99")).connected
    assert own(cp.pk, ATTACKER.address).failures == 3
    assert own(cp.pk) is None


def test_a_successful_login_clears_the_chargers_failures(db):
    cp = charger("CP-L")
    handshake(cp.pk, WRONG, credentials=SITE)
    handshake(cp.pk, WRONG, credentials=SITE)

    assert handshake(cp.pk, PASSWORD, credentials=SITE).connected

    assert own(cp.pk) is None
    # The next mistake starts from one again.
    handshake(cp.pk, WRONG, credentials=SITE)
    assert own(cp.pk).failures == 1


def test_a_successful_login_does_not_clear_someone_elses_lock_out(db):
    cp = charger("CP-L")
    for _ in range(3):
        handshake(cp.pk, WRONG, credentials=ATTACKER)
    handshake(cp.pk, WRONG, credentials=SITE)

    assert handshake(cp.pk, PASSWORD, credentials=SITE).connected

    assert own(cp.pk) is None
    assert handshake(cp.pk, PASSWORD, credentials=ATTACKER).refused == Refusal.LOCKED_OUT


def test_after_the_lock_ran_out_the_right_password_gets_in(db):
    cp = charger("CP-L")
    for _ in range(3):
        handshake(cp.pk, WRONG, credentials=SITE)

    expire(own(cp.pk))

    assert handshake(cp.pk, PASSWORD, credentials=SITE).connected


def test_a_key_quiet_for_the_longest_lock_out_starts_again_from_zero(db):
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    for _ in range(5):
        login_failure_record(chargepoint_id="CP-L", address=None, now=long_ago)

    row = login_failure_record(chargepoint_id="CP-L", address=None, now=timezone.now()).row

    assert (row.failures, row.locked_until) == (1, None)
    assert chargerlockouts_prune(now=timezone.now()) == 0  # its row is fresh again


def test_forgiven_rows_are_pruned(db):
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    login_failure_record(chargepoint_id=None, address="203.0.113.1", now=long_ago)

    assert chargerlockouts_prune(now=timezone.now()) == 1
    assert not ChargerLockout.objects.exists()


def test_one_charger_with_a_stale_password_does_not_lock_its_site_out(db):
    stale, healthy = charger("CP-STALE"), at_home(charger("CP-HEALTHY"))
    # Behind the site's NAT router, the stale one retries for days: every
    # lock-out of its own ends in one more failure.
    for _ in range(3):
        handshake(stale.pk, WRONG, credentials=SITE)
    for _ in range(50):
        expire(own(stale.pk))
        handshake(stale.pk, WRONG, credentials=SITE)

    # Every failure counts for the address, until it is locked out itself.
    address = lockout("address", SITE.address)
    assert address.failures == 3 * ADDRESS_FAILURES_FACTOR
    assert address.locked_until > timezone.now()
    # Its neighbour connects from where it always did: that lock is not for it.
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


def test_a_charger_at_home_gets_in_with_its_password_while_a_neighbour_sprays(db):
    # A shared NAT address (a mobile operator's APN): someone behind it tries
    # every id, known or not; the address is locked out.
    home, moved = at_home(charger("CP-HOME")), at_home(charger("CP-MOVED"), "192.0.2.1")
    known = [charger(f"CP-{number}") for number in range(5)]
    for number in range(3 * ADDRESS_FAILURES_FACTOR):
        target = known[number % 5].pk if number % 2 else f"GUESS-{number}"
        handshake(target, WRONG, credentials=SITE)
    assert lockout("address", SITE.address).locked_until > timezone.now()

    # The charger that last connected from there: its password still decides.
    assert handshake(home.pk, WRONG, credentials=SITE).refused == Refusal.INVALID_PASSWORD
    assert handshake(home.pk, PASSWORD, credentials=SITE).connected
    # A charger that last connected from elsewhere, or a known id the
    # sprayer tried: refused unchecked, as an unknown id is.
    assert handshake(moved.pk, PASSWORD, credentials=SITE).refused == Refusal.LOCKED_OUT
    assert handshake(known[0].pk, PASSWORD, credentials=SITE).refused == Refusal.LOCKED_OUT
    assert handshake("GUESS-NEW", WRONG, credentials=SITE).refused == Refusal.LOCKED_OUT


def test_an_ipv6_charger_at_home_is_its_64_network(db):
    cp = at_home(charger("CP-6"), "2001:db8:1:2::10")
    for number in range(3 * ADDRESS_FAILURES_FACTOR):
        handshake(f"GUESS-{number}", WRONG, credentials=Credentials(address="2001:db8:1:2::99"))

    # A new privacy address of the same network: still home.
    assert handshake(cp.pk, PASSWORD, credentials=Credentials(address="2001:db8:1:2::77")).connected


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
    assert own(cp.pk) is None


# -- the admin -------------------------------------------------------------------


@pytest.fixture
def locked(db):
    cp = charger("CP-L")
    for _ in range(3):
        handshake(cp.pk, WRONG, credentials=SITE)
    return cp


def _lift(client, user) -> str:
    client.force_login(user)
    row = own("CP-L")
    response = client.post(
        reverse("admin:chargepoints_chargerlockout_changelist"),
        {"action": "lift", "_selected_action": [str(row.pk)]},
        follow=True,
    )
    return " ".join(str(message) for message in response.context["messages"])


def test_an_operator_lifts_a_lock_out_and_the_charger_gets_in(client, locked):
    operator = user_in_group(OPERATORS, username="operator", is_staff=True)

    assert "1 lock-out(s) lifted" in _lift(client, operator)

    assert own("CP-L") is None
    assert handshake("CP-L", PASSWORD, credentials=SITE).connected


def test_support_may_see_lock_outs_but_not_lift_them(client, locked):
    support = user_in_group(SUPPORT, username="support", is_staff=True)
    client.force_login(support)

    page = client.get(reverse("admin:chargepoints_chargerlockout_changelist"))
    assert page.status_code == 200 and "CP-L from 198.51.100.7" in page.content.decode()
    assert 'value="lift"' not in page.content.decode()
    _lift(client, support)

    assert own("CP-L").failures == 3


def test_lock_outs_are_found_by_charge_point_id(client, locked):
    handshake("CP-L", WRONG, credentials=ATTACKER)
    charger("CP-L2")
    handshake("CP-L2", WRONG, credentials=SITE)
    client.force_login(user_in_group(SUPPORT, username="support", is_staff=True))

    page = client.get(reverse("admin:chargepoints_chargerlockout_changelist"), {"q": "CP-L"})

    assert "CP-L from 198.51.100.7" in page.content.decode()
    assert "CP-L from 203.0.113.66" in page.content.decode()


def test_the_charge_points_page_says_from_where_it_is_locked_out(client, locked):
    handshake("CP-L", WRONG, credentials=ATTACKER)
    charger("CP-L2")
    handshake("CP-L2", WRONG, credentials=ATTACKER)
    client.force_login(user_in_group(SUPPORT, username="support", is_staff=True))

    page = client.get(reverse("admin:chargepoints_chargepoint_change", args=["CP-L"]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "LOCKED OUT until" in text and "UTC from 198.51.100.7" in text
    assert "4 failed logins from 2 address(es)" in text
    # Its link lists this charge point's rows, not another's.
    listed = client.get(
        reverse("admin:chargepoints_chargerlockout_changelist"),
        {"kind": "chargepoint", "key__startswith": "CP-L from "},
    )
    assert listed.status_code == 200
    assert "CP-L from 203.0.113.66" in listed.content.decode()
    assert "CP-L2 from" not in listed.content.decode()


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


def knock(url: str, chargepoint_id: str, password: str, address: str) -> int:
    """A handshake from ``address`` (as a trusted proxy says): 101 if admitted, else the status."""
    token = b64encode(f"{chargepoint_id}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Forwarded-For": address}

    async def run():
        try:
            async with websockets.connect(
                f"{url}/ocpp/{chargepoint_id}",
                subprotocols=["ocpp1.6"],
                additional_headers=headers,
                open_timeout=DEADLINE,
            ):
                return 101
        except websockets.InvalidStatus as error:
            return error.response.status_code

    return asyncio.run(run())


@pytest.mark.e2e
def test_a_burst_of_wrong_passwords_locks_out_only_the_guessers_address_and_once(
    tmp_path, demo_database_template
):
    # As a review did: the charger online, twenty wrong passwords at once
    # from elsewhere, spread over two server processes.
    database = database_copy(demo_database_template, tmp_path, setup=SETUP)
    env = project_env(
        SQLITE_PATH=str(database),
        CSMS_TRUSTED_PROXIES="1",
        CSMS_CHARGER_AUTH_FAILURES="3",
        CSMS_CHARGER_LOCKOUT_SECONDS="600",
    )
    with running_servers(env, env) as servers:
        one, two = (url.replace("http://", "ws://") for url in servers)
        assert knock(one, "LOCK-1", PASSWORD, SITE.address) == 101
        together = threading.Barrier(20)

        def guess(number: int) -> int:
            together.wait(timeout=DEADLINE)
            return knock((one, two)[number % 2], "LOCK-1", WRONG, ATTACKER.address)

        with ThreadPoolExecutor(20) as pool:
            assert list(pool.map(guess, range(20))) == [403] * 20

        # The charger reconnects with its password; the guesser is locked out.
        assert knock(two, "LOCK-1", PASSWORD, SITE.address) == 101
        assert knock(one, "LOCK-1", PASSWORD, ATTACKER.address) == 403

    assert sqlite_rows(
        database,
        "SELECT key, failures, "
        "CAST(round((julianday(locked_until) - julianday(last_failure_at)) * 86400) AS INTEGER) "
        "FROM chargepoints_chargerlockout WHERE kind = 'chargepoint'",
    ) == [("LOCK-1 from 203.0.113.66", 3, 600)]

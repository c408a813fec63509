"""Issue 16: a charger is admitted only as strongly as its security profile says.

OCPP 1.6 security whitepaper ed. 3 §2 and OCPP 2.0.1 part 2 A00: profile 1 is
a password (HTTP Basic auth), profile 2 a password over TLS, profile 3 a TLS
client certificate whose subject names the charger. The services first, then
real servers: plain, and TLS asking for client certificates.
"""

import asyncio
import urllib.request
from base64 import b64encode
from urllib.parse import quote

import pytest
import websockets
from django.urls import reverse
from ocpp.v16 import ChargePoint as Client16
from ocpp.v16 import call as call16

from chargepoints.enums import ChargerEventKind, SecurityProfile
from chargepoints.models import ChargePoint, ChargerEvent, ChargerLockout
from chargepoints.services.admission import (
    Credentials,
    Refusal,
    chargepoint_admit,
)
from chargepoints.services.connections import (
    Certificate,
    Connection,
    chargepoint_set_password,
)
from ocpp_gateway.admission import handshake_credentials
from tests.admission import admission_run
from tests.certificates import (
    certificate_authority,
    client_certificate,
    client_context,
    tls_settings,
)
from tests.rights import OPERATORS, user_in_group
from tests.server import database_copy, project_env, running_server, sqlite_rows
from tests.waiting import DEADLINE

PASSWORD = "sixteen-chars-pw!"
LIVE = Connection("live", "ocpp1.6", ip_address="192.0.2.10", websocket_port=50000)
PLAIN = Credentials(address="192.0.2.10")
TLS = Credentials(address="192.0.2.10", tls=True)
CERTIFICATE = Certificate(serial="1A2B", fingerprint="AB" * 32)


def handshake(chargepoint_id, password=None, credentials=PLAIN, **options) -> ChargePoint:
    """Run the admission as the consumer does; the charge point as it is afterwards."""
    options.setdefault("require_auth", False)
    return admission_run(
        chargepoint_id, password, credentials=credentials, connection=LIVE, **options
    )


def refusals(chargepoint_id) -> list[str]:
    return list(
        ChargerEvent.objects.filter(
            chargepoint_id=chargepoint_id, kind=ChargerEventKind.CONNECTION_REFUSED
        )
        .order_by("received_at", "pk")
        .values_list("status", flat=True)
    )


@pytest.fixture
def profile(chargepoint):
    def set_profile(number: int, *, password: str | None = PASSWORD) -> ChargePoint:
        if password is not None:
            chargepoint_set_password(chargepoint=chargepoint, password=password)
        chargepoint.security_profile = number
        chargepoint.save()
        return chargepoint

    return set_profile


# -- the admission service --------------------------------------------------------


def test_profile_1_needs_its_password_over_plain_ws(profile):
    cp = profile(SecurityProfile.BASIC_AUTH)

    assert handshake(cp.pk).refused == Refusal.SECURITY_PROFILE_TOO_LOW
    assert handshake(cp.pk, "wrong-password-16ch").refused == Refusal.INVALID_PASSWORD
    assert handshake(cp.pk, PASSWORD).connected

    cp.refresh_from_db()
    assert (cp.connected, cp.connection_id) == (True, "live")
    assert refusals(cp.pk) == ["SecurityProfileTooLow", "InvalidPassword"]
    event = ChargerEvent.objects.filter(chargepoint=cp).first()
    assert "192.0.2.10" in event.detail and event.payload["address"] == "192.0.2.10"


def test_profile_2_is_refused_over_plain_ws_without_its_password_being_looked_at(profile):
    cp = profile(SecurityProfile.BASIC_AUTH_TLS)

    admission = chargepoint_admit(chargepoint_id=cp.pk, auto_register=False, credentials=PLAIN)

    assert (admission.refused, admission.password_hash) == (Refusal.SECURITY_PROFILE_TOO_LOW, "")
    assert "TLS" in admission.detail
    assert handshake(cp.pk, PASSWORD, credentials=TLS).connected
    assert refusals(cp.pk) == ["SecurityProfileTooLow"]


def test_profile_3_needs_a_client_certificate_naming_the_charger(profile):
    cp = profile(SecurityProfile.CLIENT_CERTIFICATE, password=None)

    # Neither a password nor TLS alone will do.
    assert handshake(cp.pk, PASSWORD, credentials=TLS).refused == Refusal.SECURITY_PROFILE_TOO_LOW
    wrong = Credentials(address="192.0.2.10", tls=True, certificate_problem="not this charger")
    assert handshake(cp.pk, credentials=wrong).refused == Refusal.INVALID_CERTIFICATE
    right = Credentials(address="192.0.2.10", tls=True, certificate=CERTIFICATE)
    assert handshake(cp.pk, credentials=right).connected

    cp.refresh_from_db()
    assert (cp.client_cert_serial, cp.client_cert_fingerprint) == ("1A2B", "AB" * 32)
    assert refusals(cp.pk) == ["SecurityProfileTooLow", "InvalidCertificate"]


def test_a_charger_proving_more_than_its_profile_is_admitted(profile):
    cp = profile(SecurityProfile.BASIC_AUTH)

    assert handshake(cp.pk, PASSWORD, credentials=TLS).connected
    assert handshake(cp.pk, credentials=Credentials(tls=True, certificate=CERTIFICATE)).connected


@pytest.mark.parametrize("number", [SecurityProfile.BASIC_AUTH, SecurityProfile.BASIC_AUTH_TLS])
def test_profile_1_or_2_without_a_password_on_record_never_connects(profile, number):
    cp = profile(number, password=None)

    for password in (None, "", PASSWORD):
        admission = handshake(cp.pk, password, credentials=TLS)
        assert admission.refused == Refusal.NO_PASSWORD_ON_RECORD
    cp.refresh_from_db()
    assert not cp.connected


def test_with_charger_auth_required_a_profile_0_charger_is_refused(chargepoint):
    assert handshake(chargepoint.pk, require_auth=True).refused == (
        Refusal.SECURITY_PROFILE_TOO_LOW
    )
    assert "CSMS_REQUIRE_CHARGER_AUTH" in ChargerEvent.objects.get().detail
    # Without the setting, the local demo's profile 0 still connects.
    assert handshake(chargepoint.pk).connected


def test_a_password_given_to_a_profile_0_charger_raises_it_to_profile_1(chargepoint):
    assert chargepoint.security_profile == SecurityProfile.NONE

    chargepoint_set_password(chargepoint=chargepoint, password=PASSWORD)

    chargepoint.refresh_from_db()
    assert chargepoint.security_profile == SecurityProfile.BASIC_AUTH
    assert handshake(chargepoint.pk).refused == Refusal.SECURITY_PROFILE_TOO_LOW


def test_a_password_on_record_is_required_even_on_profile_0(chargepoint):
    # However it got there, a password nobody checks would be a trap.
    chargepoint_set_password(chargepoint=chargepoint, password=PASSWORD)
    ChargePoint.objects.filter(pk=chargepoint.pk).update(security_profile=0)

    assert handshake(chargepoint.pk).refused == Refusal.SECURITY_PROFILE_TOO_LOW
    assert handshake(chargepoint.pk, PASSWORD).connected


def test_refusals_of_unknown_ids_record_no_event_and_no_row_per_id(db):
    for number in range(3):
        assert handshake(f"RANDOM-{number}", PASSWORD).refused == Refusal.UNKNOWN_CHARGEPOINT

    assert not ChargerEvent.objects.exists()
    # Counted for the address only: a scan of random ids grows no table.
    assert list(ChargerLockout.objects.values_list("kind", "key", "failures")) == [
        ("address", "192.0.2.10", 3)
    ]


# -- what the gateway reads from the handshake -----------------------------------


def _scope(headers=(), tls=None):
    scope = {"type": "websocket", "headers": list(headers)}
    if tls is not None:
        scope["extensions"] = {"tls": tls}
    return scope


@pytest.mark.parametrize(
    "proxy, forwarded, over_tls",
    [
        (False, [b"https"], False),  # anyone may write the header
        (True, [], False),
        (True, [b"https"], True),
        (True, [b"wss"], True),
        (True, [b"http"], False),
        # A value the client wrote, then the proxy's: plain stays plain.
        (True, [b"https, http"], False),
        (True, [b"https", b"http"], False),
    ],
)
def test_a_forwarded_proto_counts_only_from_the_tls_proxy(settings, proxy, forwarded, over_tls):
    settings.CSMS_TLS_PROXY = proxy
    headers = [(b"x-forwarded-proto", value) for value in forwarded]

    assert handshake_credentials(_scope(headers), "CP-1", "192.0.2.1").tls is over_tls


def test_behind_a_tls_proxy_no_client_certificate_reaches_us(settings):
    settings.CSMS_TLS_PROXY = True
    # A proxy may forward a certificate in a header; nothing here believes it.
    headers = [(b"x-forwarded-proto", b"https"), (b"x-ssl-client-cert", b"-----BEGIN...")]

    credentials = handshake_credentials(_scope(headers), "CP-1", None)

    assert credentials.tls and credentials.certificate is None


def _tls(certificate=None, error=None):
    chain = [certificate.cert_path.read_text()] if certificate is not None else []
    return {"client_cert_chain": chain, "client_cert_error": error, "tls_version": 0x0304}


def test_a_verified_certificate_naming_the_charger_proves_its_identity(tmp_path):
    authority = certificate_authority(tmp_path)
    mine = client_certificate(authority, "CP-1", tmp_path)

    credentials = handshake_credentials(_scope(tls=_tls(mine)), "CP-1", None)

    assert credentials.tls and credentials.certificate_problem == ""
    assert credentials.certificate == Certificate(mine.serial, mine.fingerprint)


@pytest.mark.parametrize(
    "common_name, error, problem",
    [
        ("CP-2", None, "subject CN is 'CP-2'"),
        ("CP-1", "issuer not in CSMS_TLS_CLIENT_CA (depth 0)", "not verified"),
    ],
)
def test_a_certificate_for_another_id_or_unverified_proves_nothing(
    tmp_path, common_name, error, problem
):
    authority = certificate_authority(tmp_path)
    theirs = client_certificate(authority, common_name, tmp_path)

    credentials = handshake_credentials(_scope(tls=_tls(theirs, error)), "CP-1", None)

    assert credentials.tls and credentials.certificate is None
    assert problem in credentials.certificate_problem


def test_the_subject_field_compared_is_a_setting(settings, tmp_path):
    settings.CSMS_TLS_CLIENT_CERT_FIELD = "O"
    authority = certificate_authority(tmp_path)
    # The test CA's chargers all have O=Test CPO.
    credentials = handshake_credentials(
        _scope(tls=_tls(client_certificate(authority, "CP-1", tmp_path))), "Test CPO", None
    )
    assert credentials.certificate is not None


# -- real servers ------------------------------------------------------------------

SETUP = f"""
from chargepoints.models import ChargePoint
from chargepoints.services.connections import chargepoint_set_password
for chargepoint_id, profile in [("SP-1", 1), ("SP-2", 2)]:
    cp = ChargePoint.objects.create(chargepoint_id=chargepoint_id, security_profile=profile)
    chargepoint_set_password(chargepoint=cp, password="{PASSWORD}")
ChargePoint.objects.create(chargepoint_id="SP-3", security_profile=3)
"""


def attempt(url, chargepoint_id, *, password=None, ssl=None) -> int:
    """A charger's handshake: 101 and a Heartbeat answered when admitted, else the HTTP status."""
    headers = {}
    if password is not None:
        token = b64encode(f"{chargepoint_id}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"

    async def run():
        try:
            async with websockets.connect(
                f"{url}/ocpp/{quote(chargepoint_id, safe='')}",
                subprotocols=["ocpp1.6"],
                additional_headers=headers,
                ssl=ssl,
                open_timeout=DEADLINE,
            ) as ws:
                client = Client16(chargepoint_id, ws, response_timeout=DEADLINE)
                reader = asyncio.create_task(client.start())
                try:
                    await client.call(call16.Heartbeat())
                finally:
                    reader.cancel()
                return 101
        except websockets.InvalidStatus as error:
            return error.response.status_code

    return asyncio.run(run())


def events(database, chargepoint_id) -> list[str]:
    rows = sqlite_rows(
        database,
        "SELECT status FROM chargepoints_chargerevent WHERE chargepoint_id = ? AND kind = ? "
        "ORDER BY id",
        chargepoint_id,
        ChargerEventKind.CONNECTION_REFUSED,
    )
    return [status for (status,) in rows]


@pytest.mark.e2e
def test_over_plain_ws_profile_1_needs_its_password_and_profile_2_is_refused(
    tmp_path, demo_database_template
):
    database = database_copy(demo_database_template, tmp_path, setup=SETUP)
    # As in production: no charger without credentials.
    env = project_env(SQLITE_PATH=str(database), CSMS_REQUIRE_CHARGER_AUTH="1")
    with running_server(env) as base_url:
        url = base_url.replace("http://", "ws://")
        assert attempt(url, "SP-1") == 403
        assert attempt(url, "SP-1", password=PASSWORD) == 101
        # The demo's charger has no credentials: profile 0, refused.
        assert attempt(url, "CP-DEMO-16") == 403
        # The right password, but in clear text: profile 2 needs TLS.
        assert attempt(url, "SP-2", password=PASSWORD) == 403

    assert events(database, "SP-1") == ["SecurityProfileTooLow"]
    assert events(database, "CP-DEMO-16") == ["SecurityProfileTooLow"]
    assert events(database, "SP-2") == ["SecurityProfileTooLow"]
    assert sqlite_rows(
        database, "SELECT ocpp_version FROM chargepoints_chargepoint WHERE chargepoint_id='SP-1'"
    ) == [("ocpp1.6",)]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory, demo_database_template):
    """A server speaking TLS that verifies client certificates against a CA of the test's own."""
    folder = tmp_path_factory.mktemp("profiles-tls")
    authority = certificate_authority(folder / "ca")
    tls, trust = tls_settings(folder, client_ca=authority)
    database = database_copy(demo_database_template, folder, setup=SETUP)
    env = project_env(SQLITE_PATH=str(database), CSMS_REQUIRE_CHARGER_AUTH="1", **tls)
    with running_server(env, ssl_context=trust) as base_url:
        yield base_url, database, authority, trust, folder


@pytest.mark.e2e
def test_over_tls_profile_2_needs_its_password(tls_server):
    base_url, database, _, trust, _ = tls_server
    url = base_url.replace("https://", "wss://")

    assert attempt(url, "SP-2", ssl=trust) == 403
    assert attempt(url, "SP-2", password=PASSWORD, ssl=trust) == 101
    # Profile 1 over TLS proves more than it must.
    assert attempt(url, "SP-1", password=PASSWORD, ssl=trust) == 101
    assert events(database, "SP-2") == ["SecurityProfileTooLow"]


@pytest.mark.e2e
def test_over_tls_profile_3_needs_a_certificate_of_the_ca_naming_it(tls_server):
    base_url, database, authority, trust, folder = tls_server
    url = base_url.replace("https://", "wss://")
    mine = client_certificate(authority, "SP-3", folder / "clients")
    someone_elses = client_certificate(authority, "SP-1", folder / "clients")
    stranger = certificate_authority(folder / "other-ca", name="Another CA")
    forged = client_certificate(stranger, "SP-3", folder / "forged")

    # No certificate, even with a password; a certificate for another charger;
    # one naming it from another CA.
    assert attempt(url, "SP-3", password=PASSWORD, ssl=trust) == 403
    assert attempt(url, "SP-3", ssl=client_context(trust, someone_elses)) == 403
    assert attempt(url, "SP-3", ssl=client_context(trust, forged)) == 403
    assert sqlite_rows(
        database,
        "SELECT connected, client_cert_serial FROM chargepoints_chargepoint "
        "WHERE chargepoint_id = 'SP-3'",
    ) == [(0, "")]

    assert attempt(url, "SP-3", ssl=client_context(trust, mine)) == 101

    assert sqlite_rows(
        database,
        "SELECT client_cert_serial, client_cert_fingerprint FROM chargepoints_chargepoint "
        "WHERE chargepoint_id = 'SP-3'",
    ) == [(mine.serial, mine.fingerprint)]
    assert events(database, "SP-3") == [
        "SecurityProfileTooLow",
        "InvalidCertificate",
        "InvalidCertificate",
    ]
    details = [
        detail
        for (detail,) in sqlite_rows(
            database,
            "SELECT detail FROM chargepoints_chargerevent WHERE chargepoint_id = 'SP-3' "
            "AND status = 'InvalidCertificate' ORDER BY id",
        )
    ]
    assert "subject CN is 'SP-1'" in details[0]
    assert "not verified" in details[1]


@pytest.mark.e2e
def test_the_admin_is_served_without_a_client_certificate(tls_server):
    base_url, _, _, trust, _ = tls_server
    # Asked for, never required: an operator's browser presents none.
    with urllib.request.urlopen(
        f"{base_url}/admin/login/", context=trust, timeout=DEADLINE
    ) as response:
        assert response.status == 200


# -- the admin's Security fieldset --------------------------------------------------


def _save(client, chargepoint, **fields):
    data = {
        "name": "",
        "connector_count": "1",
        "registration_status": "Accepted",
        "security_profile": str(chargepoint.security_profile),
        "connectors-TOTAL_FORMS": "0",
        "connectors-INITIAL_FORMS": "0",
        "commands-TOTAL_FORMS": "0",
        "commands-INITIAL_FORMS": "0",
        **fields,
    }
    return client.post(
        reverse("admin:chargepoints_chargepoint_change", args=[chargepoint.pk]), data
    )


@pytest.fixture
def operator(client, db):
    client.force_login(user_in_group(OPERATORS, username="operator", is_staff=True))
    return client


@pytest.mark.parametrize("number", ["1", "2"])
def test_the_admin_refuses_profile_1_or_2_without_a_password(operator, chargepoint, number):
    response = _save(operator, chargepoint, security_profile=number)

    assert response.status_code == 200
    assert "need a password" in str(response.context["adminform"].form.errors)
    chargepoint.refresh_from_db()
    assert chargepoint.security_profile == SecurityProfile.NONE


def test_the_admin_refuses_profile_0_for_a_charger_keeping_its_password(operator, profile):
    cp = profile(SecurityProfile.BASIC_AUTH)

    response = _save(operator, cp, security_profile="0")

    assert "must present it" in str(response.context["adminform"].form.errors)
    # Removing the password is the way down to profile 0 (a deliberate act).
    assert _save(operator, cp, security_profile="0", remove_password="on").status_code == 302
    cp.refresh_from_db()
    assert (cp.security_profile, cp.password) == (SecurityProfile.NONE, "")


def test_the_admin_sets_profile_2_with_a_new_password(operator, chargepoint):
    response = _save(operator, chargepoint, security_profile="2", new_password=PASSWORD)

    assert response.status_code == 302
    chargepoint.refresh_from_db()
    assert chargepoint.security_profile == SecurityProfile.BASIC_AUTH_TLS
    assert handshake(chargepoint.pk, PASSWORD, credentials=TLS).connected

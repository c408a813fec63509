"""Issue 15, finding 8: what one roaming partner could do to us, or learn of others.

Partner tokens were stored in plain text and shown in the admin; every
partner saw every session and CDR, with the raw RFID uids of the cards; and
the versions URL a partner registers with made this server call any address,
over plain http://, its own ports included. Each attack is replayed here.
"""

import socket

import pytest
from django.urls import reverse

from billing.models import OcpiPartner
from billing.ocpi.tokens import token_hash
from billing.services.partners import ocpi_partner_invite
from tests.billing.ocpi.conftest import TOKEN_A, Partner, envelope, issued_tag
from tests.billing.ocpi.partner_server import PartnerApi
from tests.billing.ocpi.test_credentials import TOKEN_B, credentials
from tests.billing.ocpi.test_sessions_and_cdrs import SINCE, cdr, transaction
from tests.waiting import DEADLINE

pytestmark = pytest.mark.django_db

CREDENTIALS = "/ocpi/2.2.1/credentials"
VICTIM_TOKEN = "victim-token-c-0123456789"
ATTACKER_TOKEN = "attacker-token-c-0123456789"


def _registered(name: str, party_id: str, token: str) -> OcpiPartner:
    return OcpiPartner.objects.create(
        name=name,
        country_code="NL",
        party_id=party_id,
        status=OcpiPartner.Status.REGISTERED,
        token_c_hash=token_hash(token),
    )


@pytest.fixture
def victim(db) -> OcpiPartner:
    return _registered("Victim eMSP", "VIC", VICTIM_TOKEN)


@pytest.fixture
def attacker(db) -> OcpiPartner:
    return _registered("Attacker eMSP", "ATK", ATTACKER_TOKEN)


@pytest.fixture
def newcomer(db) -> OcpiPartner:
    """A partner invited with token A, not registered yet."""
    return OcpiPartner.objects.create(name="New eMSP", token_a_hash=token_hash(TOKEN_A))


def test_a_partner_cannot_read_the_sessions_and_cdrs_of_another_partners_drivers(
    victim, attacker, connector, location
):
    issued_tag(victim, "VICTIM-CARD")
    victim_session = transaction(connector, uid="VICTIM-CARD")
    victim_cdr = cdr(location, uid="VICTIM-CARD")

    sessions = Partner(ATTACKER_TOKEN).get("/ocpi/2.2.1/sessions", SINCE)
    cdrs = Partner(ATTACKER_TOKEN).get("/ocpi/2.2.1/cdrs")

    assert envelope(sessions)["data"] == [] and envelope(cdrs)["data"] == []
    for body in (sessions.content.decode(), cdrs.content.decode()):
        assert "VICTIM-CARD" not in body
        assert str(victim_session.uuid) not in body and victim_cdr.id not in body


def test_a_partner_never_learns_the_rfid_uid_of_our_drivers(attacker, connector, location):
    # Even a partner allowed to see our drivers' sessions: with the uid it could
    # copy the card and charge on our driver's account.
    attacker.sees_our_drivers = True
    attacker.save()
    issued_tag(None, "OUR-DRIVERS-CARD")
    transaction(connector, uid="OUR-DRIVERS-CARD")
    cdr(location, uid="OUR-DRIVERS-CARD")

    sessions = Partner(ATTACKER_TOKEN).get("/ocpi/2.2.1/sessions", SINCE)
    cdrs = Partner(ATTACKER_TOKEN).get("/ocpi/2.2.1/cdrs")

    assert len(envelope(sessions)["data"]) == 1 and len(envelope(cdrs)["data"]) == 1
    assert "OUR-DRIVERS-CARD" not in sessions.content.decode()
    assert "OUR-DRIVERS-CARD" not in cdrs.content.decode()


@pytest.fixture
def local_partner_api(settings, monkeypatch):
    """A partner's API on 127.0.0.1, which only a private interconnect may use."""
    settings.DEBUG = True  # plain http://
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = True
    monkeypatch.setattr("billing.ocpi.client.TIMEOUT_SECONDS", DEADLINE)
    with PartnerApi(TOKEN_B) as api:
        yield api


def test_a_copy_of_the_partner_table_opens_no_door(newcomer, local_partner_api):
    response = Partner(TOKEN_A).send(
        "POST", CREDENTIALS, credentials(local_partner_api.versions_url)
    )
    token_c = envelope(response)["data"]["token"]

    row = OcpiPartner.objects.values().get(pk=newcomer.pk)
    assert token_c not in str(row) and TOKEN_A not in str(row)
    # What the row holds is no token either.
    envelope(Partner(row["token_c_hash"]).get("/ocpi/2.2.1/cdrs"), status=401, code=2001)
    envelope(Partner(token_c).get("/ocpi/2.2.1/cdrs"))


def test_the_admin_never_shows_a_partners_token_again(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 12))
    partner = OcpiPartner.objects.create(name="Roamer")
    token = ocpi_partner_invite(partner=partner)
    assert token not in str(OcpiPartner.objects.values().get(pk=partner.pk))

    for url in (
        reverse("admin:billing_ocpipartner_changelist"),
        reverse("admin:billing_ocpipartner_change", args=[partner.pk]),
    ):
        page = client.get(url).content.decode()
        assert "Roamer" in page
        assert token not in page and partner.token_a_hash not in page


@pytest.fixture
def resolving(monkeypatch):
    """Make every name resolve to the given addresses; record connections, make none."""
    connections = []

    def use(*addresses: str) -> list:
        def getaddrinfo(host, port, *args, **kwargs):
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, port),
                )
                for address in addresses
            ]

        def create_connection(address, *args, **kwargs):
            connections.append(address)
            raise ConnectionRefusedError("no network in tests")

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", create_connection)
        return connections

    return use


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # our own ports
        "10.0.0.5",
        "172.16.0.1",
        "192.168.1.10",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:5::1",  # 6to4 of 10.0.0.5
        "fec0::1",  # site-local
    ],
)
def test_a_partner_cannot_make_us_call_a_private_address(newcomer, resolving, address):
    connections = resolving(address)

    response = Partner(TOKEN_A).send(
        "POST", CREDENTIALS, credentials("https://partner.example/ocpi/versions")
    )

    body = envelope(response, code=3001)  # status codes §5.3: unable to use the client's API
    assert "partner URLs must be public" in body["status_message"]
    assert connections == []
    newcomer.refresh_from_db()
    assert newcomer.status == OcpiPartner.Status.PENDING


def test_one_private_address_among_public_ones_is_refused(newcomer, resolving):
    # The connection may fall back to any address of the name.
    connections = resolving("93.184.216.34", "10.0.0.5")

    response = Partner(TOKEN_A).send(
        "POST", CREDENTIALS, credentials("https://partner.example/ocpi/versions")
    )

    envelope(response, code=3001)
    assert connections == []


def test_we_connect_to_the_address_we_checked_not_to_a_new_lookup(newcomer, resolving):
    # DNS rebinding: a name that resolves to a public address for the check
    # and to a private one for the connection.
    connections = resolving("93.184.216.34")

    envelope(
        Partner(TOKEN_A).send(
            "POST", CREDENTIALS, credentials("https://partner.example/ocpi/versions")
        ),
        code=3001,
    )

    assert connections == [("93.184.216.34", 443)]


def test_a_partner_cannot_make_us_call_plain_http(newcomer, resolving):
    connections = resolving("93.184.216.34")

    response = Partner(TOKEN_A).send(
        "POST", CREDENTIALS, credentials("http://partner.example/ocpi/versions")
    )

    assert "must be https://" in envelope(response, code=3001)["status_message"]
    assert connections == []


def test_a_partner_cannot_make_us_probe_a_port_on_our_own_host(
    newcomer, local_partner_api, settings
):
    settings.CSMS_OCPI_ALLOW_PRIVATE_URLS = False

    response = Partner(TOKEN_A).send(
        "POST", CREDENTIALS, credentials(local_partner_api.versions_url)
    )

    envelope(response, code=3001)
    assert local_partner_api.requests == []


def test_a_partner_on_a_private_interconnect_registers_when_the_setting_allows(
    newcomer, local_partner_api
):
    response = Partner(TOKEN_A).send(
        "POST", CREDENTIALS, credentials(local_partner_api.versions_url)
    )

    envelope(response)
    assert [path for path, _ in local_partner_api.requests] == ["/ocpi/versions", "/ocpi/2.2.1"]
    assert OcpiPartner.objects.get(pk=newcomer.pk).status == OcpiPartner.Status.REGISTERED

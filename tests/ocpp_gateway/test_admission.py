"""Who gets in: identity from the URL, protocol from the handshake, password from Basic auth."""

import asyncio
from base64 import b64encode

import pytest
from channels.testing import WebsocketCommunicator

from chargepoints.models import ChargePoint, ChargerEvent, ChargerLockout
from chargepoints.services.admission import chargepoint_admit
from chargepoints.services.connections import (
    Connection,
    chargepoint_connected,
    chargepoint_disconnected,
    chargepoint_set_password,
)
from csms.asgi import application
from ocpp_gateway.admission import (
    basic_auth_password,
    chargepoint_id_from_path,
    group_name,
    negotiate_subprotocol,
)
from tests.admission import admission_run
from tests.waiting import DEADLINE


@pytest.mark.parametrize(
    "raw_path, expected",
    [
        (b"/ocpp/CP-1", "CP-1"),
        (b"/ocpp/DE*BMW*ETEST1234567890AB", "DE*BMW*ETEST1234567890AB"),
        (b"/ocpp/DE%2ABMW%2AETEST1234567890AB", "DE*BMW*ETEST1234567890AB"),
        (b"/ocpp/with%20space", "with space"),
        (b"/ocpp/%C3%A4%C3%B6%C3%BC", "äöü"),
        (b"/ocpp/CP-1/", "CP-1"),
        (b"/ocpp/" + b"x" * 48, "x" * 48),
    ],
)
def test_it_reads_the_percent_encoded_charge_point_id(raw_path, expected):
    assert chargepoint_id_from_path(raw_path) == expected


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/ocpp/",
        b"/ocpp/a/b",
        b"/ocpp/a%2Fb",
        b"/ocpp/" + b"x" * 49,
        b"/ocpp/tab%09",
        b"/ocpp/%FF%FE",
        b"/other/CP-1",
    ],
)
def test_it_refuses_ids_with_slashes_control_characters_or_too_long(raw_path):
    assert chargepoint_id_from_path(raw_path) is None


@pytest.mark.parametrize(
    "offered, chosen",
    [
        (["ocpp1.6"], "ocpp1.6"),
        (["ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp1.6", "ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp2.0", "ocpp1.6"], "ocpp1.6"),
        (["ocpp1.5", "ocpp2.0"], None),
        ([], None),
    ],
)
def test_it_picks_the_servers_preferred_subprotocol(offered, chosen):
    assert negotiate_subprotocol(offered) == chosen


def _basic(user: str, password: str) -> list[tuple[bytes, bytes]]:
    token = b64encode(f"{user}:{password}".encode()).decode()
    return [(b"authorization", f"Basic {token}".encode())]


def test_it_reads_the_basic_auth_password_of_this_charger():
    assert basic_auth_password(_basic("CP-1", "s3cret:with:colons"), "CP-1") == "s3cret:with:colons"
    # The id itself may hold ':'; the known id is matched as a whole.
    assert basic_auth_password(_basic("a:b", "pw"), "a:b") == "pw"


@pytest.mark.parametrize(
    "headers",
    [
        [],
        _basic("SOMEONE-ELSE", "pw"),
        [(b"authorization", b"Bearer abc")],
        [(b"authorization", b"Basic %%%not-base64")],
        # Bytes beyond ASCII: b64decode raised a ValueError of its own (HTTP 500).
        [(b"authorization", b"Basic \xff\xfe")],
        [(b"authorization", b"Basic " + b64encode(b"CP-1:\xff\xfepassword"))],
    ],
)
def test_it_finds_no_password_in_other_credentials(headers):
    assert basic_auth_password(headers, "CP-1") is None


@pytest.mark.django_db(transaction=True)
def test_a_basic_auth_header_of_non_ascii_bytes_is_refused_and_counted():
    chargepoint = ChargePoint.objects.create(chargepoint_id="CP-1")
    chargepoint_set_password(chargepoint=chargepoint, password="0123456789abcdef")

    async def connect():
        communicator = WebsocketCommunicator(
            application,
            "/ocpp/CP-1",
            headers=[(b"authorization", b"Basic \xff\xfe")],
            subprotocols=["ocpp1.6"],
        )
        connected, _ = await communicator.connect(timeout=DEADLINE)
        await communicator.disconnect()
        return connected

    assert asyncio.run(connect()) is False

    # A failed login like any other: counted, and an event for the operator.
    assert ChargerLockout.objects.get(kind="chargepoint").failures == 1
    event = ChargerEvent.objects.get(chargepoint=chargepoint)
    assert (event.status, "no password" in event.detail) == ("SecurityProfileTooLow", True)


def test_group_names_are_valid_for_any_id():
    name = group_name("DE*BMW*ETEST1234567890AB äöü")
    assert name.isascii() and len(name) < 100
    assert name != group_name("DE*BMW*ETEST1234567890AC äöü")


# -- the admission service -------------------------------------------------------

LIVE = Connection("live", "ocpp1.6", ip_address="127.0.0.1", websocket_port=50002)


def admitted(chargepoint_id: str, password: str | None, **options) -> bool:
    return admission_run(chargepoint_id, password, connection=LIVE, **options).connected


def test_unknown_chargers_are_refused_by_default(db):
    assert not admitted("NEW", None)
    assert not admitted("NEW", "any password at all")
    assert not ChargePoint.objects.exists()


def test_auto_registration_creates_the_charger_with_the_chosen_status(db):
    admission = chargepoint_admit(
        chargepoint_id="NEW", auto_register=True, auto_register_status="Accepted"
    )
    assert admission.known and admission.registered and not admission.refused
    assert ChargePoint.objects.get(pk="NEW").registration_status == "Accepted"


def test_a_password_protected_charger_needs_its_password(chargepoint):
    chargepoint_set_password(chargepoint=chargepoint, password="0123456789abcdef")
    assert chargepoint.password.startswith("pbkdf2_sha256_charger$")

    def admit(password):
        return admitted(chargepoint.pk, password)

    assert admit("0123456789abcdef")
    assert not admit("0123456789abcdeX")
    assert not admit(None)


@pytest.mark.parametrize("password", ["too-short", "x" * 41])
def test_a_charger_password_must_have_16_to_40_characters(chargepoint, password):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        chargepoint_set_password(chargepoint=chargepoint, password=password)
    assert "password" in exc.value.message_dict


def test_only_the_live_connection_may_mark_a_charger_offline(chargepoint):
    chargepoint_connected(
        chargepoint_id=chargepoint.pk,
        connection=Connection("old", "ocpp1.6", ip_address="127.0.0.1", websocket_port=50000),
    )
    chargepoint_connected(
        chargepoint_id=chargepoint.pk,
        connection=Connection("new", "ocpp2.0.1", ip_address="127.0.0.1", websocket_port=50001),
    )
    assert chargepoint_disconnected(chargepoint_id=chargepoint.pk, connection_id="old") is False
    chargepoint.refresh_from_db()
    assert (chargepoint.connected, chargepoint.ocpp_version) == (True, "ocpp2.0.1")
    assert chargepoint_disconnected(chargepoint_id=chargepoint.pk, connection_id="new") is True
    chargepoint.refresh_from_db()
    assert chargepoint.connected is False


def test_a_charger_without_password_is_admitted_and_connected_in_one_call(chargepoint):
    admission = chargepoint_admit(
        chargepoint_id=chargepoint.pk, auto_register=False, connection=LIVE
    )

    assert admission.connected
    chargepoint.refresh_from_db()
    assert (chargepoint.connected, chargepoint.connection_id) == (True, "live")
    assert (chargepoint.ip_address, chargepoint.websocket_port) == ("127.0.0.1", 50002)


def test_a_charger_registered_on_connection_is_connected_with_the_chosen_status(db):
    admission = chargepoint_admit(
        chargepoint_id="NEW", auto_register=True, auto_register_status="Pending", connection=LIVE
    )

    assert admission.registered and admission.connected
    chargepoint = ChargePoint.objects.get(pk="NEW")
    assert (chargepoint.registration_status, chargepoint.connected) == ("Pending", True)


def test_a_charger_with_a_password_is_not_connected_before_its_password_is_checked(chargepoint):
    chargepoint_set_password(chargepoint=chargepoint, password="0123456789abcdef")

    admission = chargepoint_admit(
        chargepoint_id=chargepoint.pk, auto_register=False, connection=LIVE
    )

    assert admission.known and not admission.connected
    chargepoint.refresh_from_db()
    assert (chargepoint.connected, chargepoint.connection_id) == (False, "")


def test_an_unknown_charger_is_neither_registered_nor_connected(db):
    admission = chargepoint_admit(chargepoint_id="NEW", auto_register=False, connection=LIVE)

    assert not admission.known and not admission.connected
    assert not ChargePoint.objects.exists()

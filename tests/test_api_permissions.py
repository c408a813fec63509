"""Who may call what on /api/v1/: one table, every route, six callers.

The callers: drivers A and B, an operator (a member of the Operators group),
a Support member (the read-only group), a staff user without any permission,
and an anonymous caller. The rules (csms/api/permissions.py):

- anonymous callers get 401, except on the public routes: locations, charge
  points, connectors and tariffs read-only, the schema and its docs, logging
  in and signing up;
- a driver sees and changes only their own things: another driver's vehicle,
  tag, notification, session, transaction, reservation or meter values is a
  404, and lists hold their own rows only;
- operator-only writes (locations, charge points, connectors, commands,
  users, unblocking tags, sending notifications) and operator-only reads
  (users, charge point energy, commands) are a 403 for drivers;
- rights are model permissions, never the staff flag (issue 15): the staff
  user without permissions is a driver who owns nothing; Support reads what
  operators read and is refused (403) every write to what is not its own;
- only a superuser changes a superuser: blocking one is a 403 for everyone
  else, operators included.

Each row of TABLE is (method, url, caller, expected status). Bodies are valid,
so a refusal can only come from permissions; the few rows that name another
driver's object in the body (their tag, their car) must be refused with a
400 field error, as any unknown value. Routes that reach a charger
answer at once: it is not connected, so the owner gets 409 charger_offline.
A route added to the URLconf fails `test_every_route_is_in_the_table` until
it has rows here.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.enums import NotificationType
from accounts.models import IdTag, Notification, UserVehicle
from accounts.services import profile_ensure, profile_update, user_create
from billing.models import Tariff
from chargepoints.enums import CommandName, CommandSource, CommandStatus, SessionStatus
from chargepoints.models import (
    ChargePoint,
    ChargingSession,
    Command,
    Connector,
    Location,
    Reservation,
    SampledValue,
    Transaction,
)
from tests.rights import OPERATORS, user_in_group
from tests.rights import SUPPORT as SUPPORT_GROUP
from tests.security.test_uploads import png_bytes
from tests.tokens import token_for

A, B, OP, ANON = "driver_a", "driver_b", "operator", "anonymous"
SUPPORT, STAFF = "support", "staff_without_permissions"
CALLERS = (A, B, OP, SUPPORT, STAFF, ANON)
# Who holds the view permissions: they see every row, and the operator's fields.
SEES_ALL = (OP, SUPPORT)
PASSWORD = "correct horse 42"  # the `driver` fixture's, used for driver B too
API = "/api/v1"


# -- what a list may show ------------------------------------------------------


@dataclass(frozen=True)
class OnlyOwn:
    """A list answer holds the caller's own rows, and for operators everyone's.

    ``key`` names a row in the answer; ``own`` are the attributes of each
    caller's objects in the world; ``shared`` are world attributes that every
    caller sees (notifications to everyone). ``operator_sees_all`` is False
    where an operator's list is their own too (an inbox).
    """

    key: str
    own: tuple[str, ...]
    shared: tuple[str, ...] = ()
    operator_sees_all: bool = True

    def __call__(self, world, caller: str, body) -> None:
        rows = body["results"] if isinstance(body, dict) else body
        shown = {row[self.key] for row in rows}
        mine = {getattr(world.by_caller[caller], name, None) for name in self.own} - {None}
        expected = mine | {getattr(world, name) for name in self.shared}
        if caller in SEES_ALL and self.operator_sees_all:
            assert {getattr(who, name) for who in (world.a, world.b) for name in self.own} <= shown
        else:
            assert shown == expected


def none_of_bs(key: str, attribute: str) -> Callable:
    """A list filtered on driver B, asked for by driver A: the filter cannot widen it."""

    def check(world, caller: str, body) -> None:
        assert getattr(world.b, attribute) not in {row[key] for row in body["results"]}

    return check


def operator_fields(*names: str) -> Callable:
    """Fields only an operator is shown (serial numbers, owners, publication)."""

    def check(world, caller: str, body) -> None:
        shown = set(names) & set(body)
        assert shown == (set(names) if caller in SEES_ALL else set())

    return check


def is_caller(world, caller: str, body) -> None:
    assert body["id"] == world.by_caller[caller].user


def is_caller_as_they_are(world, caller: str, body) -> None:
    """``is_operator`` tells whether the account holds rights; the staff flag is none."""
    is_caller(world, caller, body)
    assert body["is_operator"] is (caller in SEES_ALL)


def still_a_driver(world, caller: str, body) -> None:
    assert body["is_operator"] is False
    assert body["status"] == "ACTIVE"


def own_devices(world, caller: str, body) -> None:
    """The caller's tokens only, operators included: a token is its owner's business."""
    mine = {world.tokens[caller][:15]} | ({world.a.device} if caller == A else set())
    assert {row["token_key"] for row in body["results"]} == mine


def receipt_not_ready(world, caller: str, body) -> None:
    # Got past every permission and ownership check: the session is still going.
    assert body["code"] == "receipt_not_ready", body


def charger_offline(world, caller: str, body) -> None:
    # Got past every permission and ownership check: only the charger is missing.
    assert body["code"] == "charger_offline", body


def offline_for_now(world, caller: str, body) -> None:
    # The charger has just gone offline: its driver is told when asking again may
    # have the transaction closed (CSMS_DRIVER_CLOSE_OFFLINE_AFTER); anyone else
    # only that the charger is offline.
    charger_offline(world, caller, body)
    assert ("retry_after" in body) == (caller == A), body


# -- the table ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    method: str
    url: str  # formatted with the world: "/vehicles/{a.vehicle}/"
    caller: str
    status: int
    body: Callable | None = None  # world -> request body
    check: Callable | None = None  # (world, caller, answer body) -> None; asserts
    xfail: str = ""
    note: str = ""  # tells rows of one method and URL apart

    @property
    def id(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.method} {self.url} as {self.caller}{note}"


@dataclass(frozen=True)
class Route:
    """Expected statuses of one method on one URL, per caller.

    ``check`` runs on answers that got through (2xx, and 409 from a charger).
    ``xfail`` maps a caller to the reason their row is a known production
    problem: the row then fails while the problem lasts, and passes once fixed.
    """

    method: str
    url: str
    expect: dict[str, int]
    body: Callable | None = None
    check: Callable | None = None
    xfail: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def rows(self) -> list[Row]:
        return [
            Row(
                self.method,
                self.url,
                caller,
                status,
                self.body,
                self.check if 200 <= status < 300 or status == 409 else None,
                self.xfail.get(caller, ""),
                self.note,
            )
            for caller, status in self.expect.items()
        ]


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def logged_in(status: int) -> dict[str, int]:
    return {A: status, B: status, OP: status, SUPPORT: status, STAFF: status, ANON: 401}


def operators_only(status: int) -> dict[str, int]:
    """A write only an operator may make; Support may not, nor may staff as such."""
    return {A: 403, B: 403, OP: status, SUPPORT: 403, STAFF: 403, ANON: 401}


def operators_read(status: int) -> dict[str, int]:
    """A read for those with the view permission: operators and Support."""
    return {**operators_only(status), SUPPORT: status}


def owner_and_operator(status: int, *, write: bool = False) -> dict[str, int]:
    """A's object: A and operators reach it, B gets 404 as if it did not exist.

    Support sees it (``write`` False) but may not act on it (403); staff
    without permissions are any other driver.
    """
    support = 403 if write else status
    return {A: status, B: 404, OP: status, SUPPORT: support, STAFF: 404, ANON: 401}


def public_read() -> dict[str, int]:
    return everyone(200)


def _soon(world) -> str:
    return (timezone.now() + datetime.timedelta(hours=1)).isoformat()


NEW_LOCATION = {
    "name": "New depot",
    "address": "Chaussee 5",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "coordinates": {"latitude": 52.5304, "longitude": 13.3848},
    "parking_type": "PARKING_GARAGE",
    "time_zone": "Europe/Berlin",
    "country_code": "DE",
    "party_id": "CSM",
    "publish": True,
}

ROUTES = [
    # The schema and its docs, logging in and signing up: open to all.
    Route("GET", "/schema/", public_read()),
    Route("GET", "/docs/", public_read()),
    Route(
        "POST",
        "/auth/login/",
        everyone(200),
        body=lambda w: {"username": "driver", "password": PASSWORD},
    ),
    Route(
        "POST",
        "/auth/register/",
        everyone(201),
        body=lambda w: {"phone_number": "+66811112222", "password": "a new horse 42"},
    ),
    # A forgotten password: open to all, and the same answer for every number.
    Route(
        "POST",
        "/auth/password-reset/",
        everyone(202),
        body=lambda w: {"phone_number": "+66811112222"},
    ),
    Route(
        "POST",
        "/auth/password-reset/confirm/",
        everyone(400),
        body=lambda w: {
            "phone_number": "+66811112222",
            "code": "000000",
            "new_password": "a new horse 42",
        },
        note="no code was sent: a field error on code, for everyone alike",
    ),
    Route("POST", "/auth/logout/", logged_in(204)),
    Route("POST", "/auth/logout-all/", logged_in(204)),
    # The devices a caller is logged in on: their own, never anyone else's.
    Route("GET", "/auth/tokens/", logged_in(200), check=own_devices),
    Route(
        "DELETE",
        "/auth/tokens/{a.device}/",
        {A: 204, B: 404, OP: 404, SUPPORT: 404, STAFF: 404, ANON: 401},
    ),
    # The caller's own account.
    Route("GET", "/me/", logged_in(200), check=is_caller_as_they_are),
    Route("PATCH", "/me/", logged_in(200), body=lambda w: {"first_name": "Som"}, check=is_caller),
    # What makes an operator is not the account's own to change.
    Route(
        "PATCH",
        "/me/",
        {A: 200, STAFF: 200},
        body=lambda w: {"is_operator": True, "is_staff": True, "status": "ACTIVE"},
        check=still_a_driver,
        note="claiming operator",
    ),
    Route("GET", "/me/profile/", logged_in(200)),
    Route("PATCH", "/me/profile/", logged_in(200), body=lambda w: {"timezone": "Asia/Bangkok"}),
    Route(
        "PUT",
        "/me/payment-card/",
        logged_in(200),
        body=lambda w: {"number": "4242424242424242", "expiry": "12/39"},
    ),
    Route("DELETE", "/me/payment-card/", logged_in(204)),
    Route("GET", "/me/energy/", logged_in(200)),
    # Vehicles: each driver's own.
    Route("GET", "/vehicles/", logged_in(200), check=OnlyOwn("id", ("vehicle",))),
    Route(
        "POST",
        "/vehicles/",
        logged_in(201),
        body=lambda w: {"license_plate": "NEW 1", "make": "VW"},
    ),
    # Giving a car to someone else: refused for a driver, as a field error.
    Route(
        "POST",
        "/vehicles/",
        {B: 400, OP: 201, SUPPORT: 400, STAFF: 400},
        body=lambda w: {"license_plate": "NEW 2", "user": w.a.user},
        note="for driver A",
    ),
    Route("GET", "/vehicles/?user={b.user}", {A: 200}, check=none_of_bs("id", "vehicle")),
    Route("GET", "/vehicles/{a.vehicle}/", owner_and_operator(200)),
    Route(
        "PUT",
        "/vehicles/{a.vehicle}/",
        owner_and_operator(200, write=True),
        body=lambda w: {"license_plate": "A 2", "make": "BMW", "model": "i4"},
    ),
    Route(
        "PATCH",
        "/vehicles/{a.vehicle}/",
        owner_and_operator(200, write=True),
        body=lambda w: {"model": "iX"},
    ),
    Route("DELETE", "/vehicles/{a.vehicle}/", owner_and_operator(204, write=True)),
    # Id tags: each driver's own; only operators reinstate a blocked one.
    Route("GET", "/id-tags/", logged_in(200), check=OnlyOwn("id_token", ("tag", "free_tag"))),
    Route("POST", "/id-tags/", logged_in(201), body=lambda w: {"id_token": "NEW-CARD-1"}),
    # Claiming A's card: refused with the words used for any taken card.
    Route("POST", "/id-tags/", {B: 400}, body=lambda w: {"id_token": w.a.tag}, note="A's tag"),
    # A tag on B's account bills B for its charges: operators only (issue 15).
    Route(
        "POST",
        "/id-tags/",
        {A: 400, OP: 201, SUPPORT: 400, STAFF: 400},
        body=lambda w: {"id_token": "GIFT", "user": w.b.user},
        note="for driver B",
    ),
    Route("GET", "/id-tags/?user={b.user}", {A: 200}, check=none_of_bs("id_token", "tag")),
    Route("GET", "/id-tags/{a.tag}/", owner_and_operator(200), check=operator_fields("user")),
    Route("POST", "/id-tags/{a.tag}/block/", owner_and_operator(200, write=True)),
    Route("POST", "/id-tags/{a.tag}/unblock/", operators_only(200)),
    # Notifications: an inbox per person, plus those to everyone; operators send.
    Route(
        "GET",
        "/notifications/",
        logged_in(200),
        check=OnlyOwn("id", ("notification",), shared=("broadcast",), operator_sees_all=False),
    ),
    Route(
        "POST",
        "/notifications/",
        operators_only(201),
        body=lambda w: {"user": w.a.user, "type": "GENERAL", "title": "Hi", "message": "Hello"},
    ),
    # An inbox is its owner's: an operator reads A's notifications in the admin.
    Route(
        "GET",
        "/notifications/{a.notification}/",
        {A: 200, B: 404, OP: 404, SUPPORT: 404, STAFF: 404, ANON: 401},
    ),
    Route(
        "POST",
        "/notifications/{a.notification}/read/",
        {A: 200, B: 404, OP: 404, SUPPORT: 404, STAFF: 404, ANON: 401},
    ),
    Route("GET", "/notifications/{broadcast}/", logged_in(200)),
    Route("POST", "/notifications/read-all/", logged_in(200)),
    # Users: operators manage them, Support reads them.
    Route("GET", "/users/", operators_read(200)),
    Route("GET", "/users/{a.user}/", operators_read(200)),
    Route("PATCH", "/users/{a.user}/", operators_only(200), body=lambda w: {"status": "BLOCKED"}),
    # Only a superuser blocks a superuser: an operator could lock out who grants rights.
    Route(
        "PATCH",
        "/users/{root}/",
        logged_in(403),
        body=lambda w: {"status": "BLOCKED"},
    ),
    Route("GET", "/users/{a.user}/energy/", operators_read(200)),
    # A photo: its owner's and whoever may view users'; a 404 for anyone else.
    Route(
        "GET",
        "/users/{a.user}/photo/",
        {A: 200, B: 404, OP: 200, SUPPORT: 200, STAFF: 404, ANON: 401},
    ),
    # Locations: public reads, operator writes; unpublished ones are operators' only.
    Route("GET", "/locations/", public_read()),
    Route("POST", "/locations/", operators_only(201), body=lambda w: NEW_LOCATION),
    Route(
        "GET",
        "/locations/{location}/",
        public_read(),
        check=operator_fields("publish", "country_code", "party_id"),
    ),
    Route(
        "GET",
        "/locations/{hidden_location}/",
        {A: 404, B: 404, OP: 200, SUPPORT: 200, STAFF: 404, ANON: 404},
    ),
    Route("PUT", "/locations/{location}/", operators_only(200), body=lambda w: NEW_LOCATION),
    Route("PATCH", "/locations/{location}/", operators_only(200), body=lambda w: {"name": "New"}),
    Route("DELETE", "/locations/{spare_location}/", operators_only(204)),
    # Charge points and their connectors: the same.
    Route("GET", "/charge-points/", public_read()),
    Route(
        "POST",
        "/charge-points/",
        operators_only(201),
        body=lambda w: {"chargepoint_id": "CP-NEW-1", "location": w.location},
    ),
    Route(
        "GET",
        "/charge-points/{chargepoint}/",
        public_read(),
        check=operator_fields("registration_status", "has_password", "iccid", "ip_address"),
    ),
    Route(
        "GET",
        "/charge-points/{hidden_chargepoint}/",
        {A: 404, B: 404, OP: 200, SUPPORT: 200, STAFF: 404, ANON: 404},
    ),
    Route(
        "PUT",
        "/charge-points/{chargepoint}/",
        operators_only(200),
        body=lambda w: {"chargepoint_id": w.chargepoint, "location": w.location, "name": "Bay"},
    ),
    Route(
        "PATCH", "/charge-points/{chargepoint}/", operators_only(200), body=lambda w: {"name": "X"}
    ),
    Route("DELETE", "/charge-points/{spare_chargepoint}/", operators_only(204)),
    Route("GET", "/charge-points/{chargepoint}/energy/", operators_read(200)),
    Route("GET", "/charge-points/{chargepoint}/connectors/", public_read()),
    Route(
        "POST",
        "/charge-points/{chargepoint}/connectors/",
        operators_only(201),
        body=lambda w: {"connector_id": 3},
    ),
    Route(
        "GET",
        "/charge-points/{chargepoint}/connectors/1/",
        public_read(),
        check=operator_fields("current_limit"),
    ),
    Route(
        "GET",
        "/charge-points/{hidden_chargepoint}/connectors/",
        {A: 404, B: 404, OP: 200, SUPPORT: 200, STAFF: 404, ANON: 404},
    ),
    Route(
        "PUT",
        "/charge-points/{chargepoint}/connectors/1/",
        operators_only(200),
        body=lambda w: {"connector_id": 1, "max_power": 22},
    ),
    Route(
        "PATCH",
        "/charge-points/{chargepoint}/connectors/1/",
        operators_only(200),
        body=lambda w: {"max_power": 11},
    ),
    Route("DELETE", "/charge-points/{chargepoint}/connectors/9/", operators_only(204)),
    # An EVSE by its printed id (a QR code): public, as the charge point is.
    Route("GET", "/evses/DE*CSM*ECPTEST1*1/", public_read()),
    Route("GET", "/evses/DE*CSM*ENOSUCH*1/", everyone(404)),
    # Commands to a charger: operators send them, Support reads them.
    Route("GET", "/charge-points/{chargepoint}/commands/", operators_read(200)),
    Route(
        "POST",
        "/charge-points/{chargepoint}/commands/",
        operators_only(201),
        body=lambda w: {"command": "reset", "type": "soft"},
    ),
    Route("GET", "/charge-points/{chargepoint}/commands/{command}/", operators_read(200)),
    # Every charger's commands at once: the same right as one charger's (issue 18).
    Route("GET", "/commands/", operators_read(200)),
    Route("GET", "/commands/{command}/", operators_read(200)),
    # A new password for the charger: operators (chargepoints.rotate_password) only.
    Route("POST", "/charge-points/{chargepoint}/rotate-password/", operators_only(201)),
    # Tariffs: public, read-only.
    Route("GET", "/tariffs/", public_read()),
    Route("GET", "/tariffs/{tariff}/", public_read()),
    # The price at a connector before starting: public, as the connector.
    Route("GET", "/charge-points/{chargepoint}/connectors/1/price/", public_read()),
    Route(
        "GET",
        "/charge-points/{hidden_chargepoint}/connectors/1/price/",
        {A: 404, B: 404, OP: 404, SUPPORT: 404, STAFF: 404, ANON: 404},
        note="a connector that does not exist, at a charger the public does not see",
    ),
    # CDRs: a driver's own, every one for billing.view_cdr (Operators, Support).
    Route("GET", "/cdrs/", logged_in(200)),
    Route("GET", "/cdrs/NO-SUCH-CDR/", {**everyone(404), ANON: 401}),
    # Receipts: the driver who charged, and billing.view_cdr; A's is still charging.
    Route(
        "GET",
        "/transactions/{a.transaction}/receipt/",
        {**owner_and_operator(409), SUPPORT: 409},
        check=receipt_not_ready,
    ),
    Route(
        "GET",
        "/sessions/{a.session}/receipt/",
        {**owner_and_operator(409), SUPPORT: 409},
        check=receipt_not_ready,
    ),
    # Transactions and their meter values: the driver's own.
    Route(
        "GET", "/transactions/", logged_in(200), check=OnlyOwn("transaction_id", ("transaction",))
    ),
    Route("GET", "/transactions/?user={b.user}", {A: 200}, check=none_of_bs("id", "transaction")),
    Route("GET", "/transactions/{a.transaction}/", owner_and_operator(200)),
    Route("GET", "/transactions/{a.transaction}/meter-values/", owner_and_operator(200)),
    # The charger is offline, not yet for long: its driver's stop is refused with
    # when to ask again (tests/chargepoints/test_session_attacks.py: then it closes).
    Route(
        "POST",
        "/transactions/{a.transaction}/stop/",
        owner_and_operator(409, write=True),
        check=offline_for_now,
    ),
    # Charging sessions: the driver's own; starting takes one's own tag.
    Route("GET", "/sessions/", logged_in(200), check=OnlyOwn("session_id", ("session",))),
    Route(
        "POST",
        "/sessions/",
        logged_in(409),
        body=lambda w: {"chargepoint_id": w.chargepoint, "connector_id": 1},
        check=charger_offline,
    ),
    Route(
        "POST",
        "/sessions/",
        {B: 400},
        body=lambda w: {"chargepoint_id": w.chargepoint, "connector_id": 1, "id_tag": w.a.tag},
        note="with A's tag",
    ),
    Route(
        "POST",
        "/sessions/",
        {B: 400},
        body=lambda w: {"chargepoint_id": w.chargepoint, "connector_id": 1, "vehicle": w.a.vehicle},
        note="with A's car",
    ),
    Route("GET", "/sessions/?user={b.user}", {A: 200}, check=none_of_bs("session_id", "session")),
    Route("GET", "/sessions/{a.session}/", owner_and_operator(200)),
    Route(
        "POST",
        "/sessions/{a.session}/stop/",
        owner_and_operator(409, write=True),
        check=offline_for_now,
    ),
    # Reservations: the same.
    Route("GET", "/reservations/", logged_in(200), check=OnlyOwn("uuid", ("reservation",))),
    Route(
        "POST",
        "/reservations/",
        logged_in(409),
        body=lambda w: {"chargepoint_id": w.chargepoint, "expiry_date": _soon(w)},
        check=charger_offline,
    ),
    Route(
        "POST",
        "/reservations/",
        {B: 400},
        body=lambda w: {
            "chargepoint_id": w.chargepoint,
            "expiry_date": _soon(w),
            "id_tag": w.a.tag,
        },
        note="with A's tag",
    ),
    Route("GET", "/reservations/?user={b.user}", {A: 200}, check=none_of_bs("uuid", "reservation")),
    Route("GET", "/reservations/{a.reservation}/", owner_and_operator(200)),
    Route(
        "POST",
        "/reservations/{a.reservation}/cancel/",
        owner_and_operator(409, write=True),
        check=charger_offline,
    ),
]

TABLE = [row for route in ROUTES for row in route.rows()]


# -- the world ------------------------------------------------------------------


@pytest.fixture
def quick_settings(settings):
    # A charger that is not connected answers at once; never wait for one.
    settings.CSMS_COMMAND_WAIT = 0


@pytest.fixture
def a_photo(settings, tmp_path, driver):
    """Driver A's profile photo, stored in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("a.png", png_bytes(), "image/png")
    profile_update(profile=profile_ensure(user=driver), data={"image": photo})


@pytest.fixture
def world(quick_settings, a_photo, chargepoint, connector, location, driver):
    """Driver A (the `driver` fixture) and driver B, each with one of everything.

    The operator and Support have their rights from their groups alone; the
    staff user has the staff flag and nothing else; the superuser is there
    to be blocked.
    """
    driver_b = user_create(username="driver-b", password=PASSWORD, phone_number="+66898765432")
    operator = user_in_group(OPERATORS, username="operator", password=PASSWORD)
    support = user_in_group(SUPPORT_GROUP, username="support", password=PASSWORD)
    staff = user_create(username="staff", password=PASSWORD, is_staff=True)
    root = user_create(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    second = Connector.objects.create(chargepoint=chargepoint, connectorid=2)
    Connector.objects.create(chargepoint=chargepoint, connectorid=9)  # to delete
    hidden = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Depot (not public)",
        address="Hof 2",
        city="Berlin",
        postal_code="10115",
        country="DE",
        coordinates={"latitude": "52.5", "longitude": "13.4"},
        parking_type=location.parking_type,
        publish=False,
    )
    spare = Location.objects.create(
        country_code="DE",
        party_id="CSM",
        name="Empty lot",
        address="Weg 3",
        city="Berlin",
        postal_code="10115",
        country="DE",
        coordinates={"latitude": "52.4", "longitude": "13.3"},
        parking_type=location.parking_type,
    )
    ChargePoint.objects.create(chargepoint_id="CP-HIDDEN", location=hidden)
    ChargePoint.objects.create(chargepoint_id="CP-SPARE", location=location)
    tariff = Tariff.objects.create(country_code="DE", party_id="CSM", id="TARIFF-1", currency="EUR")
    operator_tag = IdTag.objects.create(idToken="OPERATOR-TAG", user=operator)
    # Everyone logged in has a tag to charge with, as drivers do.
    support_tag = IdTag.objects.create(idToken="SUPPORT-TAG", user=support)
    staff_tag = IdTag.objects.create(idToken="STAFF-TAG", user=staff)
    broadcast = Notification.objects.create(
        user=None, title="Maintenance", message="Tonight.", type=NotificationType.GENERAL
    )
    command = Command.objects.create(
        chargepoint=chargepoint,
        name=CommandName.RESET,
        params={"type": "soft"},
        source=CommandSource.API,
        message_id="seeded-command",
        status=CommandStatus.ACCEPTED,
    )
    a = _belongings(driver, "A", chargepoint, connector, reservation_id=101)
    a.device = token_for(driver)[:15]  # A logged in on a second phone too
    b = _belongings(driver_b, "B", chargepoint, second, reservation_id=102)
    op = SimpleNamespace(user=operator.pk, tag=operator_tag.pk)
    helpdesk = SimpleNamespace(user=support.pk, tag=support_tag.pk)
    bystander = SimpleNamespace(user=staff.pk, tag=staff_tag.pk)
    return SimpleNamespace(
        a=a,
        b=b,
        op=op,
        by_caller={A: a, B: b, OP: op, SUPPORT: helpdesk, STAFF: bystander},
        tokens={
            A: token_for(driver),
            B: token_for(driver_b),
            OP: token_for(operator),
            SUPPORT: token_for(support),
            STAFF: token_for(staff),
        },
        root=root.pk,
        location=location.pk,
        hidden_location=hidden.pk,
        spare_location=spare.pk,
        chargepoint=chargepoint.pk,
        hidden_chargepoint="CP-HIDDEN",
        spare_chargepoint="CP-SPARE",
        tariff=tariff.pk,
        broadcast=broadcast.pk,
        command=command.pk,
    )


def _belongings(user, name: str, chargepoint, connector, *, reservation_id: int):
    """A driver's tags, car, notification, reservation, and a charging going on now."""
    now = timezone.now()
    tag = IdTag.objects.create(idToken=f"TAG-{name}", user=user)
    # The first tag is busy charging; starting again takes a free one.
    free_tag = IdTag.objects.create(idToken=f"TAG-{name}-2", user=user)
    vehicle = UserVehicle.objects.create(user=user, license_plate=f"{name} 1")
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=user,
        id_tag=tag,
        id_token=tag.idToken,
        start_transaction_timestamp=now - datetime.timedelta(minutes=30),
        wh_meter_start=1000,
        wh_meter_last=3000,
    )
    SampledValue.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        transaction=tx,
        timestamp=now - datetime.timedelta(minutes=10),
        value="3000",
        numeric_value=3000,
        unit="Wh",
    )
    session = ChargingSession.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        user=user,
        id_tag=tag,
        transaction=tx,
        status=SessionStatus.CHARGING,
    )
    reservation = Reservation.objects.create(
        reservation_id=reservation_id,
        chargepoint=chargepoint,
        connector=connector,
        user=user,
        id_tag=tag,
        start_time=now,
        expiry_date=now + datetime.timedelta(hours=1),
    )
    notification = Notification.objects.create(
        user=user, title="Charging", message="Started.", type=NotificationType.CHARGING_STARTED
    )
    return SimpleNamespace(
        user=user.pk,
        tag=tag.pk,
        free_tag=free_tag.pk,
        vehicle=vehicle.pk,
        transaction=tx.pk,
        session=session.session_id,
        reservation=str(reservation.pk),
        notification=notification.pk,
    )


def client_for(world, caller: str) -> APIClient:
    client = APIClient()
    if caller != ANON:
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[caller]}")
    return client


def url_of(row_url: str, world) -> str:
    return API + row_url.format(**vars(world))


# -- the tests --------------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(r, id=r.id, marks=[pytest.mark.xfail(reason=r.xfail, strict=True)])
        if r.xfail
        else pytest.param(r, id=r.id)
        for r in TABLE
    ],
)
def test_each_caller_gets_what_the_rules_allow(row: Row, world):
    client = client_for(world, row.caller)
    body = row.body(world) if row.body else None

    response = client.generic(
        row.method,
        url_of(row.url, world),
        data="" if body is None else json.dumps(body),
        content_type="application/json",
    )

    assert response.status_code == row.status, response.content[:500]
    if row.check:
        row.check(world, row.caller, response.json())


def _api_routes(resolver=None, prefix=()) -> set[tuple[str, str]]:
    """Every (view name, method) the URLconf serves under /api/v1/."""
    resolver = resolver or get_resolver()
    found = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = (*prefix, pattern.namespace) if pattern.namespace else prefix
            found |= _api_routes(pattern, namespace)
        elif isinstance(pattern, URLPattern) and prefix[:1] == ("api",):
            name = ":".join((*prefix, pattern.name))
            found |= {(name, method) for method in _methods(pattern.callback)}
    return found


def _methods(view) -> set[str]:
    if getattr(view, "actions", None):  # a viewset, as the router bound it
        methods = view.actions
    else:
        cls = view.view_class
        methods = [name for name in cls.http_method_names if hasattr(cls, name)]
    return {method.upper() for method in methods} - {"HEAD", "OPTIONS"}


def test_every_route_is_in_the_table(world):
    in_table = {
        (resolve(url_of(row.url, world).partition("?")[0]).view_name, row.method) for row in TABLE
    }

    missing = _api_routes() - in_table

    assert not missing, f"Routes without rows in the permission table: {sorted(missing)}"


def test_every_route_has_a_row_for_each_caller():
    seen = {}
    for route in ROUTES:
        key = (route.method, route.url.partition("?")[0])
        seen.setdefault(key, set()).update(route.expect)
    missing = {key: set(CALLERS) - callers for key, callers in seen.items()}

    assert not {key: who for key, who in missing.items() if who}

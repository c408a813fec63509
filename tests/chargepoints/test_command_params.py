"""Command parameters: every class of bad input gets an error on its field.

command_prepare is what the API, the admin and the ``ocpp_command``
management command all go through, so parameters arrive as JSON values or
as command-line text.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.enums import IdTokenType
from accounts.models import IdTag
from chargepoints.commands import CommandInvalid, command_prepare
from chargepoints.enums import ChargingProfilePurpose, ReservationStatus, TransactionStatus
from chargepoints.models import (
    ChargePoint,
    ChargingProfile,
    Connector,
    Reservation,
    Transaction,
)


def errors_of(chargepoint, name: str, params: dict) -> dict[str, list[str]]:
    with pytest.raises(CommandInvalid) as raised:
        command_prepare(chargepoint=chargepoint, name=name, params=params)
    return raised.value.errors


def prepare(chargepoint, name: str, params: dict | None = None):
    return command_prepare(chargepoint=chargepoint, name=name, params=params or {})


@pytest.fixture
def tx(connector, now) -> Transaction:
    return Transaction.objects.create(
        chargepoint=connector.chargepoint, connector=connector, start_transaction_timestamp=now
    )


@pytest.fixture
def second_connector(chargepoint) -> Connector:
    return Connector.objects.create(chargepoint=chargepoint, connectorid=2)


def in_an_hour() -> str:
    return (timezone.now() + datetime.timedelta(hours=1)).isoformat()


# -- names and parameters ------------------------------------------------------


def test_an_unknown_command_is_an_error_on_command(chargepoint):
    errors = errors_of(chargepoint, "launch_rocket", {})
    assert list(errors) == ["command"]
    assert "Unknown command 'launch_rocket'" in errors["command"][0]
    assert "reset" in errors["command"][0], "it lists the known commands"


def test_an_unknown_parameter_is_an_error_on_that_parameter(chargepoint):
    errors = errors_of(chargepoint, "reset", {"type": "soft", "force": True, "delay": 3})
    assert errors == {"delay": ["Unknown parameter."], "force": ["Unknown parameter."]}


def test_parameters_that_are_not_an_object_are_refused(chargepoint):
    assert errors_of(chargepoint, "reset", ["soft"]) == {
        "params": ["Expected an object of parameters."]
    }


def test_a_missing_required_parameter_is_named(chargepoint):
    assert errors_of(chargepoint, "remote_start", {}) == {"id_tag": ["This field is required."]}


def test_the_error_message_lists_every_field(chargepoint):
    with pytest.raises(CommandInvalid) as raised:
        prepare(chargepoint, "remote_start", {"connector_id": "abc"})
    assert "id_tag: This field is required." in str(raised.value)
    assert "connector_id: Enter a whole number." in str(raised.value)


# -- types and ranges ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("unlock_connector", {}),
        ("remote_start", {"id_tag": "T"}),
        ("change_availability", {"type": "Operative"}),
    ],
)
def test_a_connector_that_is_not_a_number_is_refused(chargepoint, name, params):
    errors = errors_of(chargepoint, name, {**params, "connector_id": "abc"})
    assert errors == {"connector_id": ["Enter a whole number."]}


@pytest.mark.parametrize("limit", [5, 33, -1, 5.9, 32.5])
def test_a_current_limit_outside_0_and_6_to_32_amperes_is_refused(chargepoint, tx, limit):
    errors = errors_of(chargepoint, "set_current_limit", {"limit": limit})
    assert errors == {"limit": ["The limit is 0 (pause) or 6 to 32 A."]}


@pytest.mark.parametrize("limit", [0, 6, 32, "16"])
def test_a_current_limit_of_0_or_6_to_32_amperes_is_taken(chargepoint, tx, limit):
    prepared = prepare(chargepoint, "set_current_limit", {"limit": limit})
    assert prepared.params["limit"] == float(limit)


def test_a_current_limit_that_is_not_a_number_is_refused(chargepoint, tx):
    assert errors_of(chargepoint, "set_current_limit", {"limit": "lots"}) == {
        "limit": ["Enter a number."]
    }


@pytest.mark.parametrize(
    ("brightness", "message"),
    [
        (101, "Ensure this value is less than or equal to 100."),
        (-1, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_led_brightness_outside_0_to_100_percent_is_refused(chargepoint, brightness, message):
    assert errors_of(chargepoint, "set_led_brightness", {"brightness": brightness}) == {
        "brightness": [message]
    }


def test_connector_0_cannot_be_unlocked(chargepoint):
    assert errors_of(chargepoint, "unlock_connector", {"connector_id": 0}) == {
        "connector_id": ["Ensure this value is greater than or equal to 1."]
    }


# -- targets that do not exist -------------------------------------------------


def test_a_connector_the_charger_does_not_have_is_refused(chargepoint, connector):
    assert errors_of(chargepoint, "unlock_connector", {"connector_id": 2}) == {
        "connector_id": ["Charge point CP-TEST-1 has no connector 2."]
    }


def test_a_remote_start_on_a_connector_the_charger_does_not_have_is_refused(chargepoint, connector):
    errors = errors_of(chargepoint, "remote_start", {"id_tag": "T", "connector_id": 3})
    assert errors == {"connector_id": ["Charge point CP-TEST-1 has no connector 3."]}


def test_any_connector_is_taken_before_the_charger_reported_its_connectors(chargepoint):
    prepared = prepare(chargepoint, "unlock_connector", {"connector_id": 2})
    assert prepared.params == {"connector_id": 2, "evse_id": 2, "evse_connector_id": 1}
    assert prepared.connector is None


def test_a_connector_target_carries_its_evse_address(chargepoint):
    connector = Connector.objects.create(
        chargepoint=chargepoint, connectorid=3, evse_id=2, evse_connector_id=2
    )
    prepared = prepare(chargepoint, "unlock_connector", {"connector_id": 3})
    assert prepared.params == {"connector_id": 3, "evse_id": 2, "evse_connector_id": 2}
    assert prepared.connector == connector


def test_a_remote_stop_without_an_active_transaction_is_refused(chargepoint, connector):
    assert errors_of(chargepoint, "remote_stop", {}) == {
        "transaction_id": ["There is no active transaction on charge point CP-TEST-1."]
    }


def test_a_remote_stop_of_a_finished_transaction_is_refused(chargepoint, tx):
    tx.transaction_status = TransactionStatus.COMPLETED
    tx.save()
    errors = errors_of(chargepoint, "remote_stop", {"transaction_id": tx.pk})
    assert errors == {
        "transaction_id": [f"Transaction {tx.pk} is not active on charge point CP-TEST-1."]
    }


def test_a_remote_stop_finds_the_one_active_transaction(chargepoint, tx):
    prepared = prepare(chargepoint, "remote_stop")
    assert prepared.transaction == tx
    assert prepared.connector == tx.connector
    assert prepared.params == {
        "transaction_id": tx.pk,
        "charger_transaction_id": str(tx.pk),
        "connector_id": 1,
        "evse_id": 1,
    }


def test_a_current_limit_with_two_active_transactions_must_name_one(
    chargepoint, connector, second_connector, now
):
    for each in (connector, second_connector):
        Transaction.objects.create(
            chargepoint=chargepoint, connector=each, start_transaction_timestamp=now
        )
    errors = errors_of(chargepoint, "set_current_limit", {"limit": 16})
    assert errors == {
        "transaction_id": ["Several transactions are active on charge point CP-TEST-1: name one."]
    }
    named = prepare(chargepoint, "set_current_limit", {"limit": 16, "connector_id": 2})
    assert named.connector == second_connector


# -- reservations --------------------------------------------------------------


def test_a_reservation_that_expires_in_the_past_is_refused(chargepoint):
    IdTag.objects.create(idToken="TAG-1")
    errors = errors_of(
        chargepoint, "reserve_now", {"id_tag": "TAG-1", "expiry_date": "2000-01-01T00:00:00Z"}
    )
    assert errors == {"expiry_date": ["The expiry date must be in the future."]}


def test_an_operators_reservation_lasts_at_most_the_configured_hours(chargepoint, settings):
    settings.CSMS_RESERVATION_MAX_HOURS = 24
    IdTag.objects.create(idToken="TAG-1")
    errors = errors_of(
        chargepoint, "reserve_now", {"id_tag": "TAG-1", "expiry_date": "9999-12-31T23:00:00Z"}
    )
    assert errors == {"expiry_date": ["A reservation may last at most 24 hours."]}


def test_a_reservation_for_an_unknown_id_tag_is_refused(chargepoint):
    errors = errors_of(
        chargepoint, "reserve_now", {"id_tag": "NOBODY", "expiry_date": in_an_hour()}
    )
    assert errors == {"id_tag": ["Unknown id tag 'NOBODY'."]}


def test_a_reservation_gets_a_fresh_reservation_id(chargepoint):
    IdTag.objects.create(idToken="TAG-1")
    prepared = prepare(chargepoint, "reserve_now", {"id_tag": "tag-1", "expiry_date": in_an_hour()})
    assert prepared.params["id_tag"] == "TAG-1", "the tag as we know it"
    assert prepared.params["reservation_id"] == prepared.request_id > 0
    assert prepared.params["expiry_date"].endswith("Z")


@pytest.mark.parametrize("status", [ReservationStatus.COMPLETED, ReservationStatus.EXPIRED])
def test_cancelling_a_reservation_that_is_not_active_is_refused(chargepoint, now, status):
    Reservation.objects.create(
        reservation_id=77,
        chargepoint=chargepoint,
        start_time=now,
        expiry_date=now + datetime.timedelta(hours=1),
        status=status,
    )
    assert errors_of(chargepoint, "cancel_reservation", {"reservation_id": 77}) == {
        "reservation_id": ["Reservation 77 is not active on this charge point."]
    }


def test_cancelling_another_chargers_reservation_is_refused(chargepoint, location, now):
    other = ChargePoint.objects.create(chargepoint_id="CP-OTHER", location=location)
    Reservation.objects.create(
        reservation_id=78,
        chargepoint=other,
        start_time=now,
        expiry_date=now + datetime.timedelta(hours=1),
    )
    assert "reservation_id" in errors_of(chargepoint, "cancel_reservation", {"reservation_id": 78})


def test_cancelling_an_active_reservation_is_taken(chargepoint, now):
    Reservation.objects.create(
        reservation_id=79,
        chargepoint=chargepoint,
        start_time=now,
        expiry_date=now + datetime.timedelta(hours=1),
    )
    prepared = prepare(chargepoint, "cancel_reservation", {"reservation_id": "79"})
    assert prepared.params == {"reservation_id": 79}
    assert prepared.request_id == 79


# -- the local authorization list ----------------------------------------------


def test_a_local_list_with_unknown_tags_is_refused(chargepoint):
    IdTag.objects.create(idToken="KNOWN")
    errors = errors_of(chargepoint, "send_local_list", {"id_tags": "KNOWN,GHOST,PHANTOM"})
    assert errors == {"id_tags": ["Unknown id tag(s): GHOST, PHANTOM."]}


@pytest.mark.parametrize("update_type", ["Full", "full", None])
def test_only_a_differential_update_removes_tags(chargepoint, update_type):
    params = {"remove": ["OLD"]}
    if update_type:
        params["update_type"] = update_type
    assert errors_of(chargepoint, "send_local_list", params) == {
        "remove": ["Only a Differential update removes tags."]
    }


def test_a_differential_update_removes_tags(chargepoint):
    IdTag.objects.create(idToken="NEW")
    prepared = prepare(
        chargepoint,
        "send_local_list",
        {"update_type": "differential", "id_tags": ["new"], "remove": "OLD-1, OLD-2"},
    )
    assert prepared.params["update_type"] == "Differential"
    assert [entry["id_tag"] for entry in prepared.params["entries"]] == ["NEW"]
    assert [entry["id_tag"] for entry in prepared.params["remove"]] == ["OLD-1", "OLD-2"]
    assert prepared.params["list_version"] == 1


def test_a_full_list_without_tags_sends_every_tag(chargepoint):
    for token in ("B", "A"):
        IdTag.objects.create(idToken=token)
    prepared = prepare(chargepoint, "send_local_list")
    assert prepared.params["update_type"] == "Full"
    assert [entry["id_tag"] for entry in prepared.params["entries"]] == ["A", "B"]
    assert prepared.params["remove"] == []


# -- charging profiles ---------------------------------------------------------


def test_a_charging_profile_needs_a_purpose_and_periods(chargepoint):
    assert errors_of(chargepoint, "set_charging_profile", {}) == {
        "purpose": ["This field is required."],
        "periods": ["At least one period is required."],
    }


def test_the_first_period_of_a_charging_profile_starts_at_0(chargepoint):
    params = {
        "purpose": ChargingProfilePurpose.TX_DEFAULT_PROFILE,
        "periods": [{"start_period": 60, "limit": 16}],
    }
    assert errors_of(chargepoint, "set_charging_profile", params) == {
        "periods": ["The first period must start at 0."]
    }


def test_a_recurring_charging_profile_needs_a_recurrency_kind(chargepoint):
    params = {
        "purpose": ChargingProfilePurpose.TX_DEFAULT_PROFILE,
        "kind": "Recurring",
        "periods": [{"start_period": 0, "limit": 16}],
    }
    assert errors_of(chargepoint, "set_charging_profile", params) == {
        "recurrency_kind": ["A Recurring profile needs a recurrency kind."]
    }


def test_a_broken_period_is_named_by_its_position(chargepoint):
    params = {
        "purpose": ChargingProfilePurpose.TX_DEFAULT_PROFILE,
        "periods": [{"start_period": 0, "limit": 16}, {"start_period": 60, "limit": -1}],
    }
    errors = errors_of(chargepoint, "set_charging_profile", params)
    assert errors["periods"][0] == "Item 1: limit must be a non-negative number."


# A field that failed its own validation is not reported missing as well
# (docs/architecture.md rule 8: a precise answer).


def test_a_broken_period_is_not_also_reported_as_missing(chargepoint):
    params = {
        "purpose": ChargingProfilePurpose.TX_DEFAULT_PROFILE,
        "periods": [{"start_period": 0, "limit": 16}, {"start_period": 60, "limit": -1}],
    }
    assert errors_of(chargepoint, "set_charging_profile", params) == {
        "periods": ["Item 1: limit must be a non-negative number."]
    }


def test_an_unknown_purpose_is_not_also_reported_as_missing(chargepoint):
    params = {"purpose": "Cheapest", "periods": [{"start_period": 0, "limit": 16}]}
    assert errors_of(chargepoint, "set_charging_profile", params) == {
        "purpose": ["Select a valid choice. Cheapest is not one of the available choices."]
    }


def test_an_unknown_recurrency_kind_is_not_also_reported_as_missing(chargepoint):
    params = {
        "purpose": ChargingProfilePurpose.TX_DEFAULT_PROFILE,
        "kind": "Recurring",
        "recurrency_kind": "Monthly",
        "periods": [{"start_period": 0, "limit": 16}],
    }
    assert errors_of(chargepoint, "set_charging_profile", params) == {
        "recurrency_kind": ["Select a valid choice. Monthly is not one of the available choices."]
    }


def test_a_charging_profile_takes_its_periods_as_command_line_json(chargepoint):
    params = {
        "purpose": ChargingProfilePurpose.TX_DEFAULT_PROFILE,
        "periods": '[{"start_period": 0, "limit": 16, "number_phases": 3}]',
    }
    prepared = prepare(chargepoint, "set_charging_profile", params)
    assert prepared.params["periods"] == [{"start_period": 0, "limit": 16, "number_phases": 3}]
    assert prepared.params["charging_profile_id"] == 1
    assert prepared.params["kind"] == "Absolute"


# -- device model reports and variables ----------------------------------------


def test_a_report_needs_criteria_or_variables(chargepoint):
    assert errors_of(chargepoint, "get_report", {}) == {
        "non_field_errors": ["Name component_criteria, variables or both."]
    }


def test_variables_are_taken_as_component_dot_variable_text(chargepoint):
    prepared = prepare(
        chargepoint, "get_report", {"variables": "EVSE.Power, ChargingStation.Available"}
    )
    assert prepared.params["variables"] == [
        {"component": "EVSE", "variable": "Power", "attribute_type": "Actual"},
        {"component": "ChargingStation", "variable": "Available", "attribute_type": "Actual"},
    ]
    assert prepared.params["request_id"] == prepared.request_id


def test_a_variable_to_set_is_taken_as_component_dot_variable_equals_value(chargepoint):
    prepared = prepare(
        chargepoint, "set_variables", {"variables": "ChargingStation.StatusLedBrightness=50"}
    )
    assert prepared.params["variables"] == [
        {
            "component": "ChargingStation",
            "variable": "StatusLedBrightness",
            "attribute_type": "Actual",
            "value": "50",
        }
    ]


def test_a_variable_without_a_component_is_refused(chargepoint):
    assert errors_of(chargepoint, "get_variables", {"variables": "Power"}) == {
        "variables": ["Item 0: Expected Component.Variable."]
    }


@pytest.mark.parametrize(
    "keys",
    [
        "HeartbeatInterval,MeterValueSampleInterval",
        " HeartbeatInterval , MeterValueSampleInterval ,",
        '["HeartbeatInterval", "MeterValueSampleInterval"]',
        ["HeartbeatInterval", "MeterValueSampleInterval"],
    ],
    ids=["cli-text", "cli-text-spaces", "cli-json", "api-json"],
)
def test_a_list_is_taken_as_comma_text_or_as_a_json_array(chargepoint, keys):
    prepared = prepare(chargepoint, "get_configuration", {"keys": keys})
    assert prepared.params == {"keys": ["HeartbeatInterval", "MeterValueSampleInterval"]}


def test_a_list_that_is_broken_json_is_refused(chargepoint):
    assert errors_of(chargepoint, "get_configuration", {"keys": '["HeartbeatInterval"'}) == {
        "keys": ["Not a valid JSON array."]
    }


def test_a_list_that_is_no_list_is_refused(chargepoint):
    assert errors_of(chargepoint, "get_configuration", {"keys": {"a": 1}}) == {
        "keys": ["Expected a list."]
    }


def test_criteria_outside_the_four_of_the_spec_are_refused(chargepoint):
    errors = errors_of(chargepoint, "get_report", {"component_criteria": "Active,Broken"})
    assert errors["component_criteria"] == [
        "Item 1: Must be one of Active, Available, Enabled, Problem."
    ]


def test_invalid_criteria_are_not_also_reported_as_missing(chargepoint):
    errors = errors_of(chargepoint, "get_report", {"component_criteria": "Active,Broken"})
    assert errors == {
        "component_criteria": ["Item 1: Must be one of Active, Available, Enabled, Problem."]
    }


# -- reset ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "type_"),
    [
        ("soft", "soft"),
        ("Soft", "soft"),
        ("OnIdle", "soft"),
        ("on_idle", "soft"),
        ("ONIDLE", "soft"),
        ("hard", "hard"),
        ("HARD", "hard"),
        ("Immediate", "hard"),
        ("immediate", "hard"),
    ],
)
def test_reset_takes_the_names_of_both_versions_in_any_case(chargepoint, given, type_):
    assert prepare(chargepoint, "reset", {"type": given}).params == {"type": type_}


def test_a_reset_is_soft_unless_told(chargepoint):
    assert prepare(chargepoint, "reset").params == {"type": "soft"}


def test_an_unknown_reset_type_is_refused(chargepoint):
    assert errors_of(chargepoint, "reset", {"type": "gentle"}) == {
        "type": ["'gentle' is not one of: hard, soft."]
    }


# -- what a valid command becomes ----------------------------------------------


def test_a_remote_start_sends_the_tags_own_token_type(chargepoint, connector):
    IdTag.objects.create(idToken="RFID-1", token_type=IdTokenType.ISO14443)
    prepared = prepare(chargepoint, "remote_start", {"id_tag": "rfid-1", "connector_id": 1})
    params = prepared.params
    assert params["id_tag"] == "RFID-1"
    assert params["id_tag_type"] == "ISO14443"
    assert params["connector_id"] == 1
    assert params["evse_id"] == 1
    assert isinstance(params["remote_start_id"], int) and 1 <= params["remote_start_id"] < 2**31


def test_a_remote_start_with_an_unknown_or_untyped_tag_sends_it_as_central(chargepoint):
    IdTag.objects.create(idToken="OLD-16-TAG")
    for tag in ("OLD-16-TAG", "NEVER-SEEN"):
        prepared = prepare(chargepoint, "remote_start", {"id_tag": tag})
        assert prepared.params["id_tag"] == tag
        assert prepared.params["id_tag_type"] == IdTokenType.CENTRAL


def test_a_remote_start_sends_the_tags_group(chargepoint):
    parent = IdTag.objects.create(idToken="FLEET")
    IdTag.objects.create(idToken="CAR-7", parent_id_tag=parent)
    prepared = prepare(chargepoint, "remote_start", {"id_tag": "CAR-7"})
    assert prepared.params["parent_id_tag"] == "FLEET"


def test_each_remote_start_gets_its_own_remote_start_id_unless_given(chargepoint):
    ids = {
        prepare(chargepoint, "remote_start", {"id_tag": "T"}).params["remote_start_id"]
        for _ in range(5)
    }
    assert len(ids) == 5
    given = prepare(chargepoint, "remote_start", {"id_tag": "T", "remote_start_id": 42})
    assert given.params["remote_start_id"] == 42


def test_a_current_limit_is_a_tx_profile_of_the_active_transaction(chargepoint, tx):
    prepared = prepare(chargepoint, "set_current_limit", {"limit": 16})
    assert prepared.transaction == tx
    assert prepared.connector == tx.connector
    assert prepared.params == {
        "limit": 16.0,
        "charging_profile_id": 1,
        "purpose": ChargingProfilePurpose.TX_PROFILE,
        "kind": "Absolute",
        "stack_level": 1,
        "charging_rate_unit": "A",
        "periods": [{"start_period": 0, "limit": 16}],
        "transaction_id": tx.pk,
        "charger_transaction_id": str(tx.pk),
        "connector_id": 1,
        "evse_id": 1,
    }


def test_a_fractional_current_limit_is_kept(chargepoint, tx):
    prepared = prepare(chargepoint, "set_current_limit", {"limit": "10.5"})
    assert prepared.params["periods"] == [{"start_period": 0, "limit": 10.5}]


def test_a_second_current_limit_replaces_the_transactions_profile(chargepoint, tx):
    # OCPP 1.6 §5.16.2 / 2.0.1 K01.FR.05: the same profile id replaces the installed one.
    ChargingProfile.objects.create(
        chargepoint=chargepoint,
        chargingprofile_id=3,
        name="other",
        chargingprofile_purpose="TxDefaultProfile",
    )
    ChargingProfile.objects.create(
        chargepoint=chargepoint,
        transaction=tx,
        chargingprofile_id=7,
        name="limit",
        chargingprofile_purpose=ChargingProfilePurpose.TX_PROFILE,
    )
    prepared = prepare(chargepoint, "set_current_limit", {"limit": 10})
    assert prepared.params["charging_profile_id"] == 7


def test_a_first_current_limit_takes_a_profile_id_not_in_use(chargepoint, tx):
    ChargingProfile.objects.create(
        chargepoint=chargepoint,
        chargingprofile_id=3,
        name="site limit",
        chargingprofile_purpose=ChargingProfilePurpose.CHARGE_POINT_MAX_PROFILE,
    )
    prepared = prepare(chargepoint, "set_current_limit", {"limit": 10})
    assert prepared.params["charging_profile_id"] == 4


def test_a_current_limit_names_the_transaction_by_connector(
    chargepoint, connector, second_connector, now
):
    Transaction.objects.create(
        chargepoint=chargepoint, connector=connector, start_transaction_timestamp=now
    )
    assert errors_of(chargepoint, "set_current_limit", {"limit": 16, "connector_id": 2}) == {
        "transaction_id": ["There is no active transaction on connector 2."]
    }

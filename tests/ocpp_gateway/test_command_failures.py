"""How a command ends when it does not go well: every failure class, per OCPP version.

The charger is scripted (ScriptedCharger): the adapter sends a command's
CALL and the test plays the charger's side, frame by frame.
"""

import asyncio
import datetime
import json
import logging

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from accounts.models import IdTag
from chargepoints.commands import command_prepare
from chargepoints.enums import CommandRefusal, CommandSource, CommandStatus
from chargepoints.models import ChargePoint, Command, Reservation
from chargepoints.services.commands import (
    command_create,
    command_deliver,
    command_mark_offline,
    command_request,
)
from ocpp_gateway.enums import MessageDirection, MessageType
from ocpp_gateway.models import OCPPMessage
from ocpp_gateway.v16.adapter import ChargePoint16
from ocpp_gateway.v201.adapter import ChargePoint201
from tests.ocpp_gateway.command_helpers import ScriptedCharger, command_issue
from tests.waiting import wait_until_async

VERSIONS = {
    "1.6": (ChargePoint16, "ocpp1.6"),
    "2.0.1": (ChargePoint201, "ocpp2.0.1"),
}


@pytest.fixture(params=sorted(VERSIONS))
def version(request) -> str:
    return request.param


@pytest.fixture
def online(chargepoint, version):
    chargepoint.connected = True
    chargepoint.ocpp_version = VERSIONS[version][1]
    chargepoint.save()
    return chargepoint


@pytest.fixture
def online16(chargepoint):
    chargepoint.connected = True
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    return chargepoint


@pytest.fixture
def charger(online, version) -> ScriptedCharger:
    return ScriptedCharger(VERSIONS[version][0], online.pk)


@pytest.fixture
def charger16(online16) -> ScriptedCharger:
    return ScriptedCharger(ChargePoint16, online16.pk)


def call_error(sent: list) -> list:
    return [4, sent[1], "NotSupported", "no", {}]


def frames(charger: ScriptedCharger) -> list[list]:
    return [json.loads(text) for text in charger.sent]


# -- the charger answers with a CALLERROR --------------------------------------


def test_a_call_error_answer_fails_the_command_and_keeps_the_error(charger, online, connector):
    command = command_issue(online, "reset", {"type": "hard"})
    charger.command(command, call_error)
    assert command.status == CommandStatus.FAILED
    assert command.error_code == "NotSupported"
    assert command.error_description == "no"
    assert command.response == {
        "errorCode": "NotSupported",
        "errorDescription": "no",
        "errorDetails": {},
    }
    assert command.answered_at is not None


def test_a_reservation_refused_with_a_call_error_reserves_nothing(charger, online, connector):
    IdTag.objects.create(idToken="TAG-1")
    expiry = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    command = command_issue(
        online, "reserve_now", {"id_tag": "TAG-1", "expiry_date": expiry, "connector_id": 1}
    )
    charger.command(command, call_error)
    assert command.status == CommandStatus.FAILED
    assert command.error_code == "NotSupported"
    assert not Reservation.objects.exists()


def test_a_call_error_saying_not_supported_is_read_as_not_supported(charger, online, connector):
    command = command_issue(online, "reset", {"type": "hard"})
    charger.command(command, call_error)
    assert command.refusal == CommandRefusal.NOT_SUPPORTED
    other = command_issue(online, "reset", {"type": "hard"})
    charger.command(other, lambda sent: [4, sent[1], "InternalError", "", {}])
    assert other.refusal == ""


@pytest.mark.parametrize(
    "name, params, status, refusal",
    [
        ("unlock_connector", {"connector_id": 1}, "UnlockFailed", CommandRefusal.FAILED),
        ("reserve_now", "reservation", "Occupied", CommandRefusal.OCCUPIED),
        ("reserve_now", "reservation", "Faulted", CommandRefusal.INOPERATIVE),
        ("reserve_now", "reservation", "Unavailable", CommandRefusal.INOPERATIVE),
        ("reserve_now", "reservation", "Rejected", ""),
        ("reset", {"type": "hard"}, "Rejected", ""),
    ],
)
def test_a_refusal_is_read_in_no_protocols_words(
    charger, online, connector, name, params, status, refusal
):
    if params == "reservation":
        IdTag.objects.create(idToken="TAG-1")
        expiry = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
        params = {"id_tag": "TAG-1", "expiry_date": expiry, "connector_id": 1}
    command = command_issue(online, name, params)
    charger.command(command, {"status": status})
    assert (command.status, command.refusal) == (CommandStatus.REJECTED, refusal)


@pytest.mark.parametrize(
    "frame",
    [
        lambda sent: [4, sent[1], 123, "no", {}],
        lambda sent: [4, sent[1], "GenericError", None, {}],
    ],
    ids=["code-not-text", "description-null"],
)
def test_a_malformed_call_error_still_fails_the_command_with_the_answer_kept(
    charger16, online16, frame, caplog
):
    command = command_issue(online16, "reset", {"type": "soft"})
    sent = charger16.command(command, frame)
    answer = frame(sent)
    assert command.status == CommandStatus.FAILED
    assert command.response == {
        "errorCode": answer[2],
        "errorDescription": answer[3],
        "errorDetails": answer[4],
    }
    assert command.error_code != "InternalError"
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


# -- the charger answers with a CALLRESULT its schema forbids ------------------


@pytest.mark.parametrize(
    ("version", "answer", "code"),
    [
        ("1.6", {"status": "Maybe"}, "PropertyConstraintViolation"),
        # OCPP-J 1.6 §4.2.3 spells it with one "r" (errata §5.1).
        ("1.6", {}, "OccurenceConstraintViolation"),
        ("2.0.1", {"status": "Maybe"}, "PropertyConstraintViolation"),
        ("2.0.1", {}, "OccurrenceConstraintViolation"),
    ],
)
def test_an_answer_its_schema_forbids_fails_with_the_versions_error_code(
    charger, online, answer, code
):
    command = command_issue(online, "reset", {"type": "soft"})
    charger.command(command, answer)
    assert command.status == CommandStatus.FAILED
    assert command.error_code == code
    assert command.error_description.startswith("Invalid Reset answer: ")
    assert "status" in command.error_description, "it names what is wrong"
    assert command.response == answer, "what the charger sent is kept"


def test_an_answer_with_a_value_outside_the_enum_names_the_value(charger16, online16):
    command = command_issue(online16, "reset", {"type": "soft"})
    charger16.command(command, {"status": "Maybe"})
    assert "'Maybe' is not one of" in command.error_description


def test_an_answer_without_a_required_field_names_the_field(charger16, online16):
    command = command_issue(online16, "reset", {"type": "soft"})
    charger16.command(command, {})
    assert "'status' is a required property" in command.error_description


def test_after_an_invalid_answer_the_connection_still_takes_commands(charger, online):
    broken = command_issue(online, "reset", {"type": "soft"})
    charger.command(broken, {"status": "Maybe"})
    assert broken.status == CommandStatus.FAILED

    following = command_issue(online, "reset", {"type": "soft"})
    charger.command(following, {"status": "Accepted"})
    assert following.status == CommandStatus.ACCEPTED
    assert following.response == {"status": "Accepted"}


def test_an_invalid_answer_has_no_effect_on_the_domain(charger, online, connector):
    IdTag.objects.create(idToken="TAG-1")
    expiry = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    command = command_issue(online, "reserve_now", {"id_tag": "TAG-1", "expiry_date": expiry})
    charger.command(command, {"status": "Maybe"})
    assert command.status == CommandStatus.FAILED
    assert not Reservation.objects.exists()


# -- the charger does not answer in time ---------------------------------------


def test_a_command_without_an_answer_times_out(charger, online, settings):
    settings.CSMS_COMMAND_TIMEOUT = 0.2
    command = command_issue(online, "reset", {"type": "soft"})
    sent = charger.command(command, None)
    assert sent[1] == command.message_id
    assert command.status == CommandStatus.TIMED_OUT
    assert command.error_description == "No answer within 0.2 s."
    assert command.response is None
    assert command.answered_at is not None


def test_a_late_answer_is_kept_but_the_command_stays_timed_out(charger, online, settings, caplog):
    settings.CSMS_COMMAND_TIMEOUT = 0.2
    command = command_issue(online, "reset", {"type": "soft"})
    charger.command(command, None)
    assert command.status == CommandStatus.TIMED_OUT

    with caplog.at_level(logging.WARNING):
        reply = charger.send_raw(json.dumps([3, command.message_id, {"status": "Accepted"}]))
    assert reply is None, "an answer is never answered"
    command.refresh_from_db()
    assert command.status == CommandStatus.TIMED_OUT
    assert command.response == {"status": "Accepted"}
    assert "answered late" in command.error_description
    assert OCPPMessage.objects.filter(
        message_id=command.message_id,
        direction=MessageDirection.INBOUND,
        message_type=MessageType.CALLRESULT,
        payload={"status": "Accepted"},
    ).exists()
    assert f"late answer to Reset (command {command.pk}" in caplog.text


def test_a_late_answer_does_not_apply_the_commands_effect(charger, online, settings, connector):
    settings.CSMS_COMMAND_TIMEOUT = 0.2
    IdTag.objects.create(idToken="TAG-1")
    expiry = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    command = command_issue(online, "reserve_now", {"id_tag": "TAG-1", "expiry_date": expiry})
    charger.command(command, None)
    charger.send_raw(json.dumps([3, command.message_id, {"status": "Accepted"}]))
    command.refresh_from_db()
    assert command.status == CommandStatus.TIMED_OUT
    assert not Reservation.objects.exists()


def test_an_answer_to_a_call_never_made_is_logged_and_changes_no_command(charger, online, caplog):
    command = command_issue(online, "reset", {"type": "soft"})
    charger.command(command, {"status": "Accepted"})
    before = list(Command.objects.values())

    with caplog.at_level(logging.WARNING):
        reply = charger.send_raw(json.dumps([3, "never-sent", {"status": "Rejected"}]))
    assert reply is None
    assert "answer to a call we never made: never-sent" in caplog.text
    assert list(Command.objects.values()) == before


def test_an_answer_carrying_another_chargers_message_id_changes_nothing(
    charger, online, location, settings, caplog
):
    settings.CSMS_COMMAND_TIMEOUT = 0.2
    other = ChargePoint.objects.create(
        chargepoint_id="CP-OTHER", location=location, connected=True, ocpp_version="ocpp1.6"
    )
    theirs = command_issue(other, "reset", {"type": "soft"})
    ScriptedCharger(ChargePoint16, other.pk).command(theirs, None)
    assert theirs.status == CommandStatus.TIMED_OUT

    with caplog.at_level(logging.WARNING):
        charger.send_raw(json.dumps([3, theirs.message_id, {"status": "Accepted"}]))
    theirs.refresh_from_db()
    assert theirs.response is None
    assert "answer to a call we never made" in caplog.text


def test_a_late_answer_is_logged_with_its_commands_action(charger, online, settings):
    settings.CSMS_COMMAND_TIMEOUT = 0.2
    command = command_issue(online, "reset", {"type": "soft"})
    charger.command(command, None)
    charger.send_raw(json.dumps([3, command.message_id, {"status": "Accepted"}]))
    answer = OCPPMessage.objects.get(
        message_id=command.message_id, direction=MessageDirection.INBOUND
    )
    assert answer.action == "Reset"


# -- the connection is lost ----------------------------------------------------


def test_a_connection_lost_while_waiting_fails_the_command(charger, online):
    command = command_issue(online, "reset", {"type": "soft"})

    async def scenario():
        task = asyncio.create_task(charger.adapter._command_run(command.pk, None))
        await wait_until_async(lambda: charger.sent)
        charger.adapter.connection_lost()
        await task

    async_to_sync(scenario)()
    command.refresh_from_db()
    assert command.status == CommandStatus.FAILED
    assert command.error_code == "ConnectionLost"
    assert command.error_description
    assert command.response is None


def test_after_the_connection_is_lost_a_new_command_is_not_sent(charger, online):
    charger.adapter.connection_lost()
    command = command_issue(online, "reset", {"type": "soft"})
    sent = charger.command(command, {"status": "Accepted"})
    assert sent is None
    assert charger.sent == []
    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert command.error_description == "The charger disconnected before the command was sent."


def test_a_command_queued_behind_one_whose_connection_is_lost_is_not_sent(charger, online):
    first = command_issue(online, "reset", {"type": "soft"})
    queued = command_issue(online, "clear_cache")

    async def scenario():
        tasks = [
            asyncio.create_task(charger.adapter._command_run(command.pk, None))
            for command in (first, queued)
        ]
        await wait_until_async(lambda: charger.sent)
        charger.adapter.connection_lost()
        await asyncio.gather(*tasks)

    async_to_sync(scenario)()
    first.refresh_from_db()
    queued.refresh_from_db()
    assert len(charger.sent) == 1
    sent_first = frames(charger)[0][1] == first.message_id
    waiting, waited = (first, queued) if sent_first else (queued, first)
    assert waiting.status == CommandStatus.FAILED
    assert waiting.error_code == "ConnectionLost"
    assert waited.status == CommandStatus.CHARGER_OFFLINE


# -- the charger is offline ----------------------------------------------------


def test_a_command_for_a_disconnected_charger_is_offline_at_once(chargepoint):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()
    prepared = command_prepare(chargepoint=chargepoint, name="clear_cache", params={})
    command = command_create(
        chargepoint=chargepoint,
        prepared=prepared,
        action="ClearCache",
        request={},
        source=CommandSource.API,
    )
    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert command.answered_at is not None
    assert command.delivered_at is None
    assert command.error_description == "The charge point is not connected."


def test_requesting_a_command_of_a_disconnected_charger_never_uses_the_channel_layer(
    chargepoint, monkeypatch
):
    chargepoint.ocpp_version = "ocpp1.6"
    chargepoint.save()

    def no_layer():
        raise AssertionError("the channel layer was used")

    monkeypatch.setattr("ocpp_gateway.commands.get_channel_layer", no_layer)
    command = command_request(
        chargepoint_id=chargepoint.pk,
        name="reset",
        params={"type": "hard"},
        source=CommandSource.API,
    )
    assert command.pk is not None
    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert command.action == "Reset"
    assert command.request == {"type": "Hard"}, "what would have been sent is recorded"


def test_a_charger_flagged_connected_that_no_connection_holds_is_offline(online16, settings):
    settings.CSMS_COMMAND_ACK_TIMEOUT = 0.2
    command = command_request(
        chargepoint_id=online16.pk,
        name="reset",
        params={"type": "soft"},
        source=CommandSource.API,
        wait=0,
    )
    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert command.error_description == (
        "No server process holds a connection to this charge point."
    )
    assert command.answered_at is not None
    assert command.delivered_at is None


# -- delivery happens once -----------------------------------------------------


def test_a_command_is_delivered_only_once(online16):
    command = command_issue(online16, "clear_cache")
    taken = command_deliver(chargepoint_id=online16.pk, command_id=command.pk)
    assert taken is not None and taken.delivered_at is not None
    assert command_deliver(chargepoint_id=online16.pk, command_id=command.pk) is None


def test_a_delivered_command_cannot_be_declared_offline(online16):
    command = command_issue(online16, "clear_cache")
    command_deliver(chargepoint_id=online16.pk, command_id=command.pk)
    assert command_mark_offline(command_id=command.pk, reason="gave up") is False
    command.refresh_from_db()
    assert command.status == CommandStatus.PENDING


def test_a_command_declared_offline_is_not_delivered(online16):
    command = command_issue(online16, "clear_cache")
    assert command_mark_offline(command_id=command.pk, reason="gave up") is True
    assert command_deliver(chargepoint_id=online16.pk, command_id=command.pk) is None
    command.refresh_from_db()
    assert command.status == CommandStatus.CHARGER_OFFLINE
    assert command.error_description == "gave up"


def test_a_command_is_not_delivered_to_another_chargers_connection(online16, location):
    command = command_issue(online16, "clear_cache")
    assert command_deliver(chargepoint_id="CP-SOMEONE-ELSE", command_id=command.pk) is None


# -- one call at a time (OCPP-J 1.6 §4.1.1, 2.0.1 part 4 §4.1.1) ---------------


def test_the_next_call_is_sent_only_after_the_previous_one_is_answered(charger, online):
    commands = [
        command_issue(online, "reset", {"type": "soft"}),
        command_issue(online, "clear_cache"),
    ]

    async def scenario():
        tasks = [
            asyncio.create_task(charger.adapter._command_run(command.pk, None))
            for command in commands
        ]
        await wait_until_async(lambda: len(charger.sent) == 1)
        # Both commands are delivered and the first call is out: the second waits.
        await asyncio.sleep(0.1)
        assert len(charger.sent) == 1, "a second call went out before the first was answered"
        first = json.loads(charger.sent[0])
        await charger.adapter.route_message(json.dumps([3, first[1], {"status": "Accepted"}]))
        await wait_until_async(lambda: len(charger.sent) == 2)
        second = json.loads(charger.sent[1])
        await charger.adapter.route_message(json.dumps([3, second[1], {"status": "Accepted"}]))
        await asyncio.gather(*tasks)

    async_to_sync(scenario)()
    assert sorted(frame[1] for frame in frames(charger)) == sorted(
        command.message_id for command in commands
    )
    for command in commands:
        command.refresh_from_db()
        assert command.status == CommandStatus.ACCEPTED


# -- the message log -----------------------------------------------------------


def test_the_log_has_the_call_and_its_answer_with_the_action(charger, online):
    command = command_issue(online, "reset", {"type": "hard"})
    charger.command(command, {"status": "Accepted"})
    logged = OCPPMessage.objects.filter(message_id=command.message_id).order_by("timestamp", "id")
    assert [(m.direction, m.message_type, m.action, m.payload) for m in logged] == [
        (MessageDirection.OUTBOUND, MessageType.CALL, "Reset", command.request),
        (MessageDirection.INBOUND, MessageType.CALLRESULT, "Reset", {"status": "Accepted"}),
    ]
    assert all(m.chargepoint_id == online.pk for m in logged)


def test_the_log_has_a_call_error_answer_with_the_action(charger, online):
    command = command_issue(online, "reset", {"type": "hard"})
    charger.command(command, call_error)
    answer = OCPPMessage.objects.get(
        message_id=command.message_id, direction=MessageDirection.INBOUND
    )
    assert answer.message_type == MessageType.CALLERROR
    assert answer.action == "Reset"
    assert answer.payload == {
        "errorCode": "NotSupported",
        "errorDescription": "no",
        "errorDetails": {},
    }

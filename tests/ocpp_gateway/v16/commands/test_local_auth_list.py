"""OCPP 1.6 Local Auth List Management profile (2.0.1 block D)."""

import pytest

from accounts.models import IdTag
from chargepoints.enums import CommandStatus
from chargepoints.models import ChargePoint
from tests.ocpp_gateway.v16.commands.helpers import (
    ACCEPTED,
    assert_answer,
    assert_fields,
    assert_frame,
    utc,
)


@pytest.fixture
def tags(tag) -> None:
    """TAG-0001 plus a group, an expired and a revoked tag."""
    parent = IdTag.objects.create(idToken="FLEET-1")
    IdTag.objects.create(idToken="DRIVER-7", parent_id_tag=parent)
    IdTag.objects.create(idToken="EXPIRED-1", expiry_date=utc("2020-01-01T00:00:00Z"))
    IdTag.objects.create(idToken="REVOKED-1", revoked=True)


def test_it_sends_a_full_local_list_with_every_tag(exchange, online, tags):
    ChargePoint.objects.filter(pk=online.pk).update(local_list_version=7)
    command, sent = exchange("send_local_list", {"update_type": "full"})
    assert_frame(
        command,
        sent,
        "SendLocalList",
        {
            "listVersion": 8,
            "updateType": "Full",
            "localAuthorizationList": [
                {
                    "idTag": "DRIVER-7",
                    "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET-1"},
                },
                {
                    "idTag": "EXPIRED-1",
                    "idTagInfo": {"status": "Expired", "expiryDate": "2020-01-01T00:00:00Z"},
                },
                {"idTag": "FLEET-1", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "REVOKED-1", "idTagInfo": {"status": "Blocked"}},
                {"idTag": "TAG-0001", "idTagInfo": {"status": "Accepted"}},
            ],
        },
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert_fields(online, local_list_version=8)


def test_it_sends_a_differential_local_list_that_removes_tags(exchange, online, tags):
    command, sent = exchange(
        "send_local_list",
        {
            "update_type": "differential",
            "list_version": 12,
            "id_tags": ["tag-0001"],
            "remove": ["GONE-1"],
        },
    )
    # OCPP 1.6 §5.15: in a differential update an entry without idTagInfo is removed.
    assert_frame(
        command,
        sent,
        "SendLocalList",
        {
            "listVersion": 12,
            "updateType": "Differential",
            "localAuthorizationList": [
                {"idTag": "TAG-0001", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "GONE-1"},
            ],
        },
    )
    assert_answer(command, CommandStatus.ACCEPTED, ACCEPTED)
    assert_fields(online, local_list_version=12)


@pytest.mark.parametrize("refusal", ["Failed", "NotSupported", "VersionMismatch"])
def test_it_keeps_the_local_list_version_when_refused(exchange, online, tag, refusal):
    ChargePoint.objects.filter(pk=online.pk).update(local_list_version=7)
    command, _ = exchange("send_local_list", {}, {"status": refusal})
    assert_answer(command, CommandStatus.REJECTED, {"status": refusal})
    assert_fields(online, local_list_version=7)


def test_it_reads_the_local_list_version(exchange, online):
    answer = {"listVersion": 5}
    command, sent = exchange("get_local_list_version", answer=answer)
    assert_frame(command, sent, "GetLocalListVersion", {})
    assert_answer(command, CommandStatus.ACCEPTED, answer)
    assert_fields(online, local_list_version=5)

"""OCPP 2.0.1 block D LocalAuthorizationListManagement."""

import datetime

from django.utils import timezone

from accounts.models import IdTag
from chargepoints.enums import CommandStatus
from tests.ocpp_gateway.command_helpers import command_issue
from tests.ocpp_gateway.v201.commands.helpers import iso


def test_it_sends_a_full_local_list_with_each_tags_status(online, rfid, charger):
    expiry = (timezone.now() + datetime.timedelta(days=30)).replace(microsecond=0)
    IdTag.objects.filter(pk=rfid.pk).update(expiry_date=expiry)
    IdTag.objects.create(idToken="LOST-CARD", revoked=True)
    command = command_issue(
        online,
        "send_local_list",
        {"update_type": "full", "list_version": 7, "id_tags": ["RFID-0042", "lost-card"]},
    )

    sent = charger.command(command, {"status": "Accepted"})

    assert sent == [
        2,
        command.message_id,
        "SendLocalList",
        {
            "versionNumber": 7,
            "updateType": "Full",
            "localAuthorizationList": [
                {
                    "idToken": {"idToken": "RFID-0042", "type": "ISO14443"},
                    "idTokenInfo": {
                        "status": "Accepted",
                        "cacheExpiryDateTime": iso(expiry),
                        "groupIdToken": {"idToken": "FAMILY", "type": "Central"},
                    },
                },
                {
                    "idToken": {"idToken": "LOST-CARD", "type": "Central"},
                    "idTokenInfo": {"status": "Blocked"},
                },
            ],
        },
    ]
    assert command.status == CommandStatus.ACCEPTED
    online.refresh_from_db()
    assert online.local_list_version == 7


def test_it_removes_tags_in_a_differential_update_after_the_current_version(online, rfid, charger):
    online.local_list_version = 3
    online.save()
    command = command_issue(
        online, "send_local_list", {"update_type": "Differential", "remove": ["OLD-CARD"]}
    )

    sent = charger.command(command, {"status": "Accepted"})

    # 2.0.1 D01: an entry without idTokenInfo is removed from the list.
    assert sent == [
        2,
        command.message_id,
        "SendLocalList",
        {
            "versionNumber": 4,
            "updateType": "Differential",
            "localAuthorizationList": [{"idToken": {"idToken": "OLD-CARD", "type": "Central"}}],
        },
    ]
    online.refresh_from_db()
    assert online.local_list_version == 4


def test_it_keeps_the_list_version_when_the_charger_refuses_the_list(online, rfid, charger):
    online.local_list_version = 3
    online.save()
    command = command_issue(online, "send_local_list", {"id_tags": ["RFID-0042"]})

    charger.command(command, {"status": "VersionMismatch"})

    assert command.status == CommandStatus.REJECTED
    online.refresh_from_db()
    assert online.local_list_version == 3


def test_it_stores_the_local_list_version_the_charger_reports(online, charger):
    command = command_issue(online, "get_local_list_version")

    sent = charger.command(command, {"versionNumber": 12})

    assert sent == [2, command.message_id, "GetLocalListVersion", {}]
    assert command.status == CommandStatus.ACCEPTED
    assert command.response == {"versionNumber": 12}
    online.refresh_from_db()
    assert online.local_list_version == 12
